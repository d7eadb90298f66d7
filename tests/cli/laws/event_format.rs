//! The event format (SPEC §2): golden vectors, every flipped bit caught,
//! shape rules, and decode(encode(e)) == e.
use gmm::model::event::*;
use gmm::model::signed::*;

use crate::support::label_key as labelled_key;
use gmm::model::keys::SecretKey;
use gmm::rules::member_tree;
use gmm::rules::view::View;

/// A fixed chain built from fixed seeds: Alice creates a group, adds Bob as
/// admin, Bob retitles it, Alice removes Bob, links her phone, the phone
/// retitles the group for her, and she unlinks it.
fn golden_chain() -> Vec<(&'static str, SignedEvent)> {
    let alice = labelled_key("alice");
    let bob = labelled_key("bob");
    let phone = labelled_key("alice's phone");
    let mut view = View::empty(GroupId::default());
    let mut out: Vec<(&'static str, SignedEvent)> = Vec::new();
    let steps: [(&str, &SecretKey, Op); 7] = [
        (
            "create",
            &alice,
            Op::Create {
                title: "Book club".into(),
                nonce: [7; 16],
            },
        ),
        (
            "add-bob",
            &alice,
            Op::Add {
                member: bob.public(),
                role: Role::Admin,
                name: "bob".into(),
            },
        ),
        (
            "bob-title",
            &bob,
            Op::SetTitle {
                title: "Books".into(),
            },
        ),
        (
            "remove-bob",
            &alice,
            Op::Remove {
                member: bob.public(),
            },
        ),
        (
            "link-phone",
            &alice,
            Op::LinkDevice {
                device: phone.public(),
                name: "phone".into(),
            },
        ),
        (
            "phone-title",
            &phone,
            Op::SetTitle {
                title: "From my phone".into(),
            },
        ),
        (
            "unlink-phone",
            &alice,
            Op::UnlinkDevice {
                device: phone.public(),
            },
        ),
    ];
    for (i, (name, key, op)) in steps.into_iter().enumerate() {
        view.authorize(&key.public(), &op).unwrap();
        view.apply(EventId::default(), &key.public(), &op);
        let group = out.first().map(|(_, e)| e.id).unwrap_or_default();
        let prev = out
            .iter()
            .rev()
            .find(|(_, e)| e.event.author == key.public());
        let event = Event {
            version: EVENT_VERSION,
            group,
            author: key.public(),
            seq: prev.map_or(1, |(_, e)| e.event.seq + 1),
            prev: prev.map(|(_, e)| e.id),
            parents: out
                .last()
                .map(|(_, e)| vec![e.as_parent()])
                .unwrap_or_default(),
            time: 1_800_000_000_000 + i as u64,
            view: view.hash(),
            op,
        };
        let signed = SignedEvent::sign(event, key).unwrap();
        if i == 0 {
            view.group = signed.id;
        }
        out.push((name, signed));
    }
    out
}

fn render(chain: &[(&str, SignedEvent)]) -> String {
    let mut text = String::from(
        "# gmm golden events (format v3). Keys: seed = blake3(\"alice\"), blake3(\"bob\"), blake3(\"alice's phone\").\n\
         # One event per line: name, id, signed record (signature ‖ encoded event) in hex.\n\
         # Regenerate only for a deliberate format change: UPDATE_GENERATED=1 cargo test golden\n",
    );
    for (name, e) in chain {
        text.push_str(&format!("{name} {} {}\n", e.id, hex::encode(e.record())));
    }
    text.push_str(
        "# View hashes (rule 8, docs/event-format.md): view name, members, member-tree root, view hash.\n",
    );
    for (name, view) in golden_views() {
        let root = member_tree::members_root(&view.hashed_members());
        text.push_str(&format!(
            "view {name} {} {} {}\n",
            view.members().len(),
            hex::encode(root),
            view.hash().to_hex()
        ));
    }
    text
}

/// Views for the view-hash vectors: empty, a few members crowded into two
/// buckets (one with a device), and 1,000 members from fixed seeds.
fn golden_views() -> Vec<(&'static str, View)> {
    let group = EventId([9; 32]);
    let owner = labelled_key("alice").public();
    let created = || {
        let mut view = View::empty(group);
        let create = Op::Create {
            title: "Book club".into(),
            nonce: [7; 16],
        };
        view.apply(EventId::default(), &owner, &create);
        view.group = group;
        view
    };
    let add = |view: &mut View, member: PublicKey, role: Role| {
        let op = Op::Add {
            member,
            role,
            name: String::new(),
        };
        view.apply(EventId::default(), &owner, &op);
    };
    let mut crowded = created();
    for i in 0..6u8 {
        let mut key = [i; 32];
        key[..2].copy_from_slice(&[0xab, i % 2]);
        add(
            &mut crowded,
            PublicKey(key),
            [Role::Member, Role::Admin][usize::from(i % 2)],
        );
    }
    let device = Op::LinkDevice {
        device: labelled_key("alice's phone").public(),
        name: "phone".into(),
    };
    crowded.apply(EventId::default(), &owner, &device);
    let mut thousand = created();
    for i in 0..1000 {
        add(
            &mut thousand,
            labelled_key(&format!("member {i}")).public(),
            Role::Member,
        );
    }
    vec![
        ("empty", View::empty(group)),
        ("created", created()),
        ("crowded", crowded),
        ("thousand", thousand),
    ]
}

#[test]
fn golden_vectors_do_not_change() {
    let path = crate::support::repo().join("fixtures/golden-events.txt");
    let chain = golden_chain();
    let text = render(&chain);
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        committed, text,
        "the event encoding, ids or signatures changed"
    );
    for line in committed
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("view "))
    {
        let mut parts = line.split(' ');
        let (_, id, record) = (parts.next(), parts.next().unwrap(), parts.next().unwrap());
        let back = SignedEvent::from_record(&hex::decode(record).unwrap()).unwrap();
        assert_eq!(back.id.to_hex(), id);
    }
}

#[test]
fn every_flipped_bit_is_caught() {
    for (_, event) in golden_chain() {
        let record = event.record();
        for i in 0..record.len() {
            for bit in [0x01u8, 0x80] {
                let mut bad = record.clone();
                bad[i] ^= bit;
                assert!(
                    SignedEvent::from_record(&bad).is_err(),
                    "byte {i} bit {bit:#x}"
                );
            }
        }
    }
}

#[test]
fn shape_rules() {
    let (_, e) = &golden_chain()[1];
    let mut bad = e.event.clone();
    bad.parents = vec![bad.parents[0], bad.parents[0]];
    assert!(bad.check_shape().is_err(), "duplicate parents");
    let mut bad = e.event.clone();
    bad.prev = None;
    bad.seq = 2;
    assert!(bad.check_shape().is_err(), "seq 2 without prev");
    let mut bad = e.event.clone();
    bad.parents.clear();
    assert!(bad.check_shape().is_err(), "only Create has no parents");
    for version in [0, EVENT_VERSION - 1, EVENT_VERSION + 1] {
        let mut bad = e.event.clone();
        bad.version = version;
        assert!(bad.check_shape().is_err(), "version {version}");
    }
    let mut bad = e.event.clone();
    bad.op = Op::LinkDevice {
        device: e.event.author,
        name: "me".into(),
    };
    assert!(bad.check_shape().is_err(), "a key linking itself");
}

proptest::proptest! {
    #[test]
    fn decode_of_encode_is_identity(
        title in ".{0,40}", name in "[a-z]{0,20}", seq in 1u64..1000, time: u64,
        nonce: [u8; 16], pick in 0usize..6,
    ) {
        let key = labelled_key("p");
        let member = labelled_key("q").public();
        let op = match pick {
            0 => Op::Create { title: title.clone(), nonce },
            1 => Op::Add { member, role: Role::Member, name },
            2 => Op::Remove { member },
            3 => Op::Leave,
            4 => Op::SetRole { member, role: Role::Admin },
            _ => Op::SetTitle { title: title.clone() },
        };
        let create = pick == 0;
        let event = Event {
            version: EVENT_VERSION,
            group: if create { EventId::default() } else { EventId([3; 32]) },
            author: key.public(),
            seq: if create { 1 } else { seq },
            prev: (!create && seq > 1).then_some(EventId([4; 32])),
            parents: if create { vec![] } else { vec![ParentRef { author: member, seq: 1, id: EventId([5; 32]) }] },
            time,
            view: ViewHash([6; 32]),
            op,
        };
        proptest::prop_assume!(event.check_shape().is_ok());
        let signed = SignedEvent::sign(event.clone(), &key).unwrap();
        let back = SignedEvent::from_record(&signed.record()).unwrap();
        proptest::prop_assert_eq!(back.event, event);
        proptest::prop_assert_eq!(back.id, signed.id);
    }
}
