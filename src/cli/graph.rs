//! A small lane layout for `gmm log --graph`, newest event first, in the
//! spirit of `git log --graph`: each lane waits for one event; an event takes
//! the first lane waiting for it, closes the others, and opens lanes for its
//! further parents.

use gmm::model::event::EventId;

#[derive(Default)]
pub struct Lanes {
    waiting: Vec<Option<EventId>>,
}

impl Lanes {
    /// The rows to print for one event: its own row, then a row showing
    /// branches when it has several parents.
    pub fn rows(&mut self, id: EventId, parents: &[EventId], text: &str) -> Vec<String> {
        let mine: Vec<usize> = (0..self.waiting.len())
            .filter(|&i| self.waiting[i] == Some(id))
            .collect();
        let col = match mine.first() {
            Some(&c) => c,
            None => self.free_lane(),
        };
        for &other in mine.iter().skip(1) {
            self.waiting[other] = None;
        }
        let mut rows = vec![format!("{} {text}", self.draw(col, '*'))];
        self.waiting[col] = parents.first().copied();
        for parent in parents.iter().skip(1) {
            if !self.waiting.contains(&Some(*parent)) {
                let lane = self.free_lane();
                self.waiting[lane] = Some(*parent);
            }
        }
        if parents.len() > 1 {
            rows.push(self.draw(usize::MAX, '|'));
        }
        while self.waiting.last() == Some(&None) {
            self.waiting.pop();
        }
        rows
    }

    fn free_lane(&mut self) -> usize {
        match self.waiting.iter().position(Option::is_none) {
            Some(i) => i,
            None => {
                self.waiting.push(None);
                self.waiting.len() - 1
            }
        }
    }

    fn draw(&self, col: usize, mark: char) -> String {
        let width = self
            .waiting
            .len()
            .max(col.saturating_add(1).min(self.waiting.len() + 1));
        (0..width)
            .map(|i| {
                if i == col {
                    mark
                } else if self.waiting.get(i).is_some_and(Option::is_some) {
                    '|'
                } else {
                    ' '
                }
            })
            .flat_map(|c| [c, ' '])
            .collect::<String>()
            .trim_end()
            .to_string()
    }
}
