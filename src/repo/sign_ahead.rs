//! Signing a long transaction's drafts while more are drafted.
//!
//! A draft's id does not depend on its signature (SPEC §2), so once a draft
//! is named its signature can be made. A `gmm batch` of 100,000 ops drafts
//! on one thread (each op is checked against the view the ones before it
//! left); signing them all at the commit left the second core idle while
//! drafting and kept the first waiting while signing. Here every
//! [`CHUNK`] ids are signed on the thread pool as soon as they are named, and
//! the commit signs only the rest.
//!
//! The signatures stay in memory: nothing is written or shown until the
//! transaction commits, and a refused op drops them all with it. A dry run
//! never signs.

use std::collections::HashMap;
use std::sync::mpsc;
use std::sync::Arc;

use crate::model::ids::EventId;
use crate::model::keys::SecretKey;
use crate::model::signed::signing_message;
use crate::model::signed::SIGNATURE_BYTES;

/// How many ids are signed together: enough that handing them to the pool
/// costs nothing beside signing them, few enough that a short transaction
/// signs everything at its commit as before.
pub const CHUNK: usize = 1024;

/// A signature of a draft's id.
pub type Signature = [u8; SIGNATURE_BYTES];

/// Ids named so far, signed in chunks on the thread pool.
pub struct SignAhead {
    key: Arc<SecretKey>,
    /// Named, not yet handed to the pool.
    waiting: Vec<EventId>,
    sender: mpsc::Sender<Vec<(EventId, Signature)>>,
    signed: mpsc::Receiver<Vec<(EventId, Signature)>>,
}

impl SignAhead {
    pub fn new(key: &SecretKey) -> SignAhead {
        let (sender, signed) = mpsc::channel();
        SignAhead {
            key: Arc::new(key.clone()),
            waiting: Vec::with_capacity(CHUNK),
            sender,
            signed,
        }
    }

    /// A draft was named `id`: signed with the next full chunk.
    pub fn named(&mut self, id: EventId) {
        self.waiting.push(id);
        if self.waiting.len() < CHUNK {
            return;
        }
        let ids = std::mem::replace(&mut self.waiting, Vec::with_capacity(CHUNK));
        let (key, sender) = (Arc::clone(&self.key), self.sender.clone());
        rayon::spawn(move || {
            let signed = ids
                .into_iter()
                .map(|id| (id, key.sign(&signing_message(&id))))
                .collect();
            // The receiver is gone only when the transaction was dropped.
            let _ = sender.send(signed);
        });
    }

    /// Every signature made, by id, once all chunks handed out are signed
    /// (the ids still waiting are left to the commit).
    pub fn finish(self) -> HashMap<EventId, Signature> {
        let SignAhead { sender, signed, .. } = self;
        // The chunks' own senders end with them: the receiver then ends.
        drop(sender);
        signed.into_iter().flatten().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every full chunk comes back signed as the key signs it; what is
    /// left of the last chunk is not.
    #[test]
    fn full_chunks_are_signed_by_the_key() {
        let key = SecretKey::from_seed([3; 32]);
        let mut ahead = SignAhead::new(&key);
        let ids: Vec<EventId> = (0..CHUNK * 2 + 5)
            .map(|i| EventId(*blake3::hash(&i.to_le_bytes()).as_bytes()))
            .collect();
        for id in &ids {
            ahead.named(*id);
        }
        let signed = ahead.finish();
        assert_eq!(signed.len(), CHUNK * 2);
        for id in &ids[..CHUNK * 2] {
            assert_eq!(signed[id], key.sign(&signing_message(id)));
        }
        assert!(ids[CHUNK * 2..].iter().all(|id| !signed.contains_key(id)));
    }
}
