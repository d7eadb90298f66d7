//! A small lane layout for `gmm log --graph`, newest event first, in the
//! spirit of `git log --graph`: each lane waits for one event; an event takes
//! the first lane waiting for it and closes the others (drawn `|/`: concurrent
//! branches fork from it), and opens lanes for its further parents (drawn
//! `|\`: it merges branches).

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
        let mut rows = Vec::new();
        // Lanes that also waited for this event join it here: branches fork from it.
        let joining: Vec<usize> = mine.iter().skip(1).copied().collect();
        if !joining.is_empty() {
            rows.push(self.draw_marks(|i| joining.contains(&i).then_some('/')));
            for &other in &joining {
                self.waiting[other] = None;
            }
        }
        rows.push(format!("{} {text}", self.draw(col, '*')));
        self.waiting[col] = parents.first().copied();
        let mut opened = Vec::new();
        for parent in parents.iter().skip(1) {
            if !self.waiting.contains(&Some(*parent)) {
                let lane = self.free_lane();
                self.waiting[lane] = Some(*parent);
                opened.push(lane);
            }
        }
        // Further parents in lanes of their own: this event merges branches.
        if !opened.is_empty() {
            rows.push(self.draw_marks(|i| opened.contains(&i).then_some('\\')));
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

    /// A connector row: open lanes as `|`; a lane that `mark` names gets its
    /// mark between it and the lane to its left (`|/` a branch joining, `|\\`
    /// a branch opening), as git draws them.
    fn draw_marks(&self, mark: impl Fn(usize) -> Option<char>) -> String {
        let mut row = vec![' '; self.waiting.len() * 2];
        for (i, lane) in self.waiting.iter().enumerate() {
            match mark(i) {
                Some(c) => row[(2 * i).saturating_sub(1)] = c,
                None if lane.is_some() => row[2 * i] = '|',
                None => {}
            }
        }
        row.into_iter().collect::<String>().trim_end().to_string()
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
