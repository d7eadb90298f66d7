//! Proofs (`docs/proof-format.md`): every kind built from real signed events
//! holds, names its key, and fails on each flipped payload byte, a wrong key
//! and every truncation; random bytes never panic the decoder; the golden
//! proof files in `fixtures/proofs/` are what this code writes.

mod tests {
    use std::collections::BTreeMap;

    use crate::support::scenario::peer_key;
    use crate::support::scenario::Scenario;
    use base64::engine::general_purpose::STANDARD as BASE64;
    use base64::Engine;
    use gmm::audit::proof::*;
    use gmm::model::event::EventId;
    use gmm::model::event::ViewHash;
    use gmm::model::hash;
    use gmm::model::signed::SignedEvent;
    use gmm::rules::projection;
    use gmm::rules::projection::Verdict;
    use proptest::prelude::*;

    /// Alice (O) removes Carol (C) while Carol adds Mallory (M) as admin;
    /// Mallory, having seen her add, adds Z: revoked, then unauthorized.
    const EVIDENCE: &str = "O: create \"Evidence\"\nO: add C admin\nsync all\nrm = O: remove C\nam = C: add M admin\nsync C -> M\naz = M: add Z\nsync all\nexpect am revoked\nexpect az unauthorized";

    fn run(script: &str) -> Scenario {
        Scenario::run(script).unwrap()
    }

    fn by_label<'a>(s: &'a Scenario, label: &str) -> &'a SignedEvent {
        s.events.iter().find(|e| e.id == s.labels[label]).unwrap()
    }

    /// `event` and its whole past among `events`.
    fn past(events: &[SignedEvent], event: &EventId) -> Vec<SignedEvent> {
        let by_id: BTreeMap<EventId, &SignedEvent> = events.iter().map(|e| (e.id, e)).collect();
        let mut out = BTreeMap::new();
        let mut stack = vec![*event];
        while let Some(id) = stack.pop() {
            if let Some(e) = by_id.get(&id) {
                if out.insert(id, (*e).clone()).is_none() {
                    stack.extend(e.event.parents.iter().map(|p| p.id));
                }
            }
        }
        out.into_values().collect()
    }

    fn fork() -> Proof {
        let s = run(
            "A: create \"F\"\nA: add M admin\nsync all\nfork M2 from M\nx = M: add X\ny = M2: add Y",
        );
        Proof::Fork(ForkProof::new(by_label(&s, "x"), by_label(&s, "y")))
    }

    fn view(subject: bool) -> Proof {
        let s = run(EVIDENCE);
        let am = by_label(&s, "am");
        let group = am.group();
        let view = projection::replay(group, projection::order(&past(&s.events, &am.id)))
            .frontier
            .view;
        let m = peer_key("M").public();
        Proof::View(ViewProof::new(am, &view, subject.then_some(m)))
    }

    fn verdict(label: &str) -> Proof {
        let s = run(EVIDENCE);
        let target = by_label(&s, label).id;
        let replay = projection::replay(s.group().unwrap(), projection::order(&s.events));
        let verdict = replay
            .verdicts
            .iter()
            .find(|(id, _)| *id == target)
            .unwrap();
        let claim = HistoryClaim::of_verdict(&verdict.1).unwrap();
        Proof::History(HistoryProof::new(target, claim, &s.events))
    }

    /// Mallory signs an add whose view field is not what its past gives.
    fn view_mismatch() -> Proof {
        let s = run(EVIDENCE);
        let az = by_label(&s, "az");
        let mut event = az.event.clone();
        event.view = ViewHash([7; 32]);
        let lie = SignedEvent::sign(event, &peer_key("M")).unwrap();
        let mut events = past(&s.events, &az.id);
        events.retain(|e| e.id != az.id);
        events.push(lie.clone());
        Proof::History(HistoryProof::new(
            lie.id,
            HistoryClaim::ViewMismatch,
            &events,
        ))
    }

    /// Carol's validly signed add citing its parent at the wrong seq.
    fn bad_link() -> Proof {
        let s = run(EVIDENCE);
        let am = by_label(&s, "am");
        let mut event = am.event.clone();
        event.parents[0].seq += 1;
        let bad = SignedEvent::sign(event, &peer_key("C")).unwrap();
        let cited = past(&s.events, &am.event.parents[0].id);
        Proof::Quarantine(QuarantineProof::new(
            &bad.record(),
            "bad-link: recorded by the test",
            &cited,
        ))
    }

    fn bad_signature() -> Proof {
        let s = run(EVIDENCE);
        let mut raw = by_label(&s, "am").record();
        raw[3] ^= 0x20;
        Proof::Quarantine(QuarantineProof::new(
            &raw,
            "bad-signature: the id or signature does not verify",
            &[],
        ))
    }

    /// Every kind, with the key it is about.
    fn every_kind() -> Vec<(&'static str, Proof, &'static str)> {
        vec![
            ("fork", fork(), "M"),
            ("view-of-member", view(true), "C"),
            ("view", view(false), "C"),
            ("verdict-revoked", verdict("am"), "C"),
            ("verdict-unauthorized", verdict("az"), "M"),
            ("view-mismatch", view_mismatch(), "M"),
            ("quarantine-bad-link", bad_link(), "C"),
            ("quarantine-bad-signature", bad_signature(), "C"),
        ]
    }

    /// The comment and the payload without its checksum.
    fn payload(text: &str) -> (String, Vec<u8>) {
        let mut lines = text.lines();
        let comment = lines.next().unwrap().to_string();
        let mut bytes = BASE64.decode(lines.next().unwrap()).unwrap();
        bytes.truncate(bytes.len() - 32);
        (comment, bytes)
    }

    /// A file from a payload, with its checksum recomputed: what a forger
    /// (not a damaged disk) would hand over.
    fn text_of(comment: &str, payload: &[u8]) -> String {
        let mut bytes = payload.to_vec();
        bytes.extend_from_slice(&hash::derive(hash::PROOF_CHECKSUM, payload));
        format!("{comment}\n{}\n", BASE64.encode(bytes))
    }

    /// Where a payload's bytes may change and still hold, because they are
    /// the question rather than the evidence: a quarantine proof's claim is
    /// about exactly the bytes and reason it carries, and a view proof's
    /// subject is the member asked about (another key gets its own true
    /// answer). Everything else is signed or recomputed.
    fn unsigned_range(proof: &Proof, len: usize) -> std::ops::Range<usize> {
        match proof {
            Proof::Quarantine(q) => 6..6 + 4 + q.raw.len() + 4 + q.reason.len(),
            Proof::View(v) if v.subject.is_some() => len - 32..len,
            _ => 0..0,
        }
    }

    #[test]
    fn every_kind_holds_and_names_its_key() {
        for (name, proof, key) in every_kind() {
            let text = proof.to_file_text();
            let key = peer_key(key).public();
            let verified = verify_text(&text, Some(&key))
                .unwrap_or_else(|e| panic!("{name} does not hold: {e}"));
            assert_eq!(verified.kind, proof.kind(), "{name}");
            assert_eq!(Proof::parse(&text).unwrap(), proof, "{name} round-trips");
            let other = peer_key("nobody").public();
            assert!(
                matches!(
                    verify_text(&text, Some(&other)),
                    Err(ProofError::WrongKey { .. })
                ),
                "{name} must refuse a wrong key"
            );
        }
    }

    #[test]
    fn verdicts_are_the_rules_verdicts() {
        let revoked = verdict("am").verify(None).unwrap();
        let Detail::Verdict { verdict, by, .. } = revoked.detail else {
            panic!("not a verdict")
        };
        let s = run(EVIDENCE);
        assert_eq!(verdict, Verdict::Revoked { by: s.labels["rm"] });
        assert_eq!(by.unwrap().id, s.labels["rm"]);
        let unauthorized = verdict_of("az");
        assert!(matches!(unauthorized, Verdict::Unauthorized(ref r) if r.contains("not a member")));
    }

    fn verdict_of(label: &str) -> Verdict {
        match verdict(label).verify(None).unwrap().detail {
            Detail::Verdict { verdict, .. } => verdict,
            _ => panic!("not a verdict"),
        }
    }

    #[test]
    fn a_claim_the_events_do_not_give_does_not_hold() {
        // The revoked add claimed unauthorized, and left without its revoker.
        let s = run(EVIDENCE);
        let am = s.labels["am"];
        let wrong = Proof::History(HistoryProof::new(am, HistoryClaim::Unauthorized, &s.events));
        assert!(matches!(
            wrong.verify(None),
            Err(ProofError::DoesNotHold(_))
        ));
        let without: Vec<SignedEvent> = s
            .events
            .iter()
            .filter(|e| e.id != s.labels["rm"] && e.id != s.labels["az"])
            .cloned()
            .collect();
        let claim = HistoryClaim::Revoked { by: s.labels["rm"] };
        let lacking = Proof::History(HistoryProof::new(am, claim, &without));
        assert!(matches!(
            lacking.verify(None),
            Err(ProofError::DoesNotHold(_))
        ));
        // A history with a hole (the Create left out) is not whole.
        let holed: Vec<SignedEvent> = s
            .events
            .iter()
            .filter(|e| e.id != s.group().unwrap())
            .cloned()
            .collect();
        let holed = Proof::History(HistoryProof::new(am, claim, &holed));
        assert!(matches!(
            holed.verify(None),
            Err(ProofError::DoesNotHold(_))
        ));
        // A valid record refused for a reason its bytes do not show.
        let s2 = run(EVIDENCE);
        let fine = by_label(&s2, "am");
        let cited = past(&s2.events, &fine.event.parents[0].id);
        let honest = Proof::Quarantine(QuarantineProof::new(
            &fine.record(),
            "bad-link: made up",
            &cited,
        ));
        assert!(matches!(
            honest.verify(None),
            Err(ProofError::DoesNotHold(_))
        ));
    }

    #[test]
    fn each_flipped_payload_byte_breaks_every_kind() {
        for (name, proof, _) in every_kind() {
            let text = proof.to_file_text();
            let (comment, bytes) = payload(&text);
            let free = unsigned_range(&proof, bytes.len());
            for i in 0..bytes.len() {
                for bit in [0x01u8, 0x80] {
                    let mut flipped = bytes.clone();
                    flipped[i] ^= bit;
                    // With the checksum recomputed: the claim itself must fail.
                    let result = verify_text(&text_of(&comment, &flipped), None);
                    assert!(
                        result.is_err() || free.contains(&i),
                        "{name}: flipping bit {bit:#x} of byte {i} still holds"
                    );
                }
            }
            // Without it, any flipped byte of the file is damage.
            let whole = BASE64.decode(text.lines().nth(1).unwrap()).unwrap();
            for i in 0..whole.len() {
                let mut flipped = whole.clone();
                flipped[i] ^= 0x04;
                let damaged = format!("{comment}\n{}\n", BASE64.encode(&flipped));
                assert!(
                    matches!(verify_text(&damaged, None), Err(ProofError::Format(_))),
                    "{name}: byte {i}"
                );
            }
        }
    }

    #[test]
    fn every_truncation_and_extension_is_refused() {
        for (name, proof, _) in every_kind() {
            let (comment, bytes) = payload(&proof.to_file_text());
            for len in 0..bytes.len() {
                let result = verify_text(&text_of(&comment, &bytes[..len]), None);
                assert!(
                    matches!(result, Err(ProofError::Format(_))),
                    "{name}: truncated to {len} bytes: {result:?}"
                );
            }
            let mut longer = bytes.clone();
            longer.push(0);
            assert!(matches!(
                verify_text(&text_of(&comment, &longer), None),
                Err(ProofError::Format(_))
            ));
        }
    }

    #[test]
    fn a_count_claiming_more_than_the_file_holds_is_refused_before_allocating() {
        let (comment, mut bytes) = payload(&verdict("am").to_file_text());
        // magic (6) + target (32) + claim (1) + revoker (32), then the count.
        bytes[71..75].copy_from_slice(&u32::MAX.to_le_bytes());
        let result = verify_text(&text_of(&comment, &bytes), None);
        assert!(
            matches!(result, Err(ProofError::Format(ref m)) if m.contains("records claimed")),
            "{result:?}"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn random_payloads_never_panic(tag in 0usize..5, body in proptest::collection::vec(any::<u8>(), 0..400)) {
            let tags: [&[u8]; 5] = [b"FP", b"VP", b"HP", b"QR", b"ZZ"];
            let mut bytes = b"gmm\x01".to_vec();
            bytes.extend_from_slice(tags[tag]);
            bytes.extend_from_slice(&body);
            let _ = verify_text(&text_of("untrusted comment: x", &bytes), None);
        }

        #[test]
        fn random_text_never_panics(text in "\\PC{0,300}") {
            let _ = verify_text(&text, None);
        }
    }

    /// `fixtures/proofs/` holds one file per kind, made by this code from
    /// fixed keys; regenerate with `UPDATE_GENERATED=1 cargo test --test cli golden_proofs`.
    #[test]
    fn golden_proofs_are_what_this_code_writes() {
        let dir = crate::support::repo().join("fixtures/proofs");
        let update = std::env::var_os("UPDATE_GENERATED").is_some();
        for (name, proof, key) in every_kind() {
            let path = dir.join(format!("{name}.gmmproof"));
            let text = proof.to_file_text();
            if update {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &text).unwrap();
            }
            let stored = std::fs::read_to_string(&path).unwrap_or_else(|e| {
                panic!("{}: {e} (UPDATE_GENERATED=1 writes it)", path.display())
            });
            assert_eq!(stored, text, "{name}: the proof format changed; bump its version, regenerate, update docs/proof-format.md");
            verify_text(&stored, Some(&peer_key(key).public())).unwrap();
        }
    }
}
