//! Fork proofs (SPEC §3 rule 7): a real fork proves, anything else does not.

mod tests {
    use crate::support::scenario::peer_key;
    use crate::support::scenario::Scenario;
    use base64::engine::general_purpose::STANDARD as BASE64;
    use base64::Engine;
    use gmm::audit::proof::*;
    use gmm::model::signed::SignedEvent;

    fn fork() -> (SignedEvent, SignedEvent) {
        let s = Scenario::run(
            "A: create \"F\"\nA: add M admin\nsync all\nfork M2 from M\nx = M: add X\ny = M2: add Y",
        )
        .unwrap();
        let by = |label: &str| {
            s.events
                .iter()
                .find(|e| e.id == s.labels[label])
                .unwrap()
                .clone()
        };
        (by("x"), by("y"))
    }

    #[test]
    fn a_real_fork_proves_and_anything_else_does_not() {
        let (x, y) = fork();
        let text = ForkProof::new(x.clone(), y.clone()).to_file_text();
        let m = peer_key("M").public();
        let proven = ForkProof::verify_text(&text, Some(&m)).unwrap();
        assert_eq!(proven.author, m);
        assert_eq!(proven.seq, x.event.seq);
        let other = peer_key("A").public();
        assert!(matches!(
            ForkProof::verify_text(&text, Some(&other)),
            Err(ProofError::WrongKey { .. })
        ));
        let same = ForkProof::new(x.clone(), x.clone()).to_file_text();
        assert!(matches!(
            ForkProof::verify_text(&same, None),
            Err(ProofError::NoFork(_))
        ));
        // Any flipped character of the payload breaks it.
        let lines: Vec<&str> = text.lines().collect();
        let mut payload = BASE64.decode(lines[1]).unwrap();
        payload[20] ^= 1;
        let tampered = format!("{}\n{}\n", lines[0], BASE64.encode(payload));
        assert!(ForkProof::verify_text(&tampered, None).is_err());
    }
}
