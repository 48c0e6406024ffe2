//! How alike two texts are: character bigrams and their Dice coefficient, for matching a
//! returned row to the form's row and a new plan's task to last year's.

use std::collections::HashSet;

/// The text's character bigrams.
pub fn bigrams(text: &str) -> HashSet<(char, char)> {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(2).map(|w| (w[0], w[1])).collect()
}

/// How alike two bigram sets are (Dice coefficient, 0 to 1).
pub fn dice(a: &HashSet<(char, char)>, b: &HashSet<(char, char)>) -> f32 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let shared = a.intersection(b).count() as f32;
    shared / (a.len() + b.len()) as f32 * 2.0
}
