//! Maven versions: a port of `org.apache.maven.artifact.versioning.
//! ComparableVersion` as shipped in maven-artifact 3.8.6 (the version the
//! OSV corpus was generated with).
//!
//! The version is lower-cased and split into items at `.`, `-` and at
//! transitions between digits and letters. A `-` (or a letter/digit
//! transition) opens a nested list. Numbers compare numerically at any size;
//! qualifiers order as `alpha < beta < milestone < rc = cr < snapshot < ""
//! = ga = final = release < sp`, then any other qualifier (alphabetically);
//! `a1`, `b1` and `m1` mean `alpha-1`, `beta-1` and `milestone-1`. Trailing
//! "null" items (`0`, `""`, empty lists) are dropped, so `1 = 1.0 = 1-0 =
//! 1.ga`. Mixed kinds: a number beats a list beats a qualifier, so
//! `1-alpha < 1 < 1-1 < 1.1`.

use std::cmp::Ordering;

use crate::num::Num;

#[derive(Clone, Debug)]
enum Item {
    Int(Num),
    Str(Box<str>),
    List(Vec<Item>),
}

/// Index of the release qualifier `""` in the qualifier order.
const RELEASE_INDEX: usize = 5;

/// Position of a qualifier: known ones by index, unknown ones after all of
/// them and then alphabetically (Maven compares `"7-" + qualifier` strings).
fn qualifier_rank(q: &str) -> (usize, &str) {
    const KNOWN: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
    match KNOWN.iter().position(|k| *k == q) {
        Some(i) => (i, ""),
        None => (KNOWN.len(), q),
    }
}

fn new_string_item(value: &str, followed_by_digit: bool) -> Item {
    let value = match value {
        "a" if followed_by_digit => "alpha",
        "b" if followed_by_digit => "beta",
        "m" if followed_by_digit => "milestone",
        "ga" | "final" | "release" => "",
        "cr" => "rc",
        other => other,
    };
    Item::Str(value.into())
}

fn parse_item(is_digit: bool, text: &str) -> Item {
    if is_digit {
        Item::Int(Num::from_digits(text))
    } else {
        new_string_item(text, false)
    }
}

impl Item {
    fn is_null(&self) -> bool {
        match self {
            Item::Int(n) => n.is_zero(),
            Item::Str(s) => s.is_empty(),
            Item::List(items) => items.is_empty(),
        }
    }

    /// `compareTo(null)`: how this item compares with a missing item.
    fn cmp_missing(&self) -> Ordering {
        match self {
            Item::Int(n) => {
                if n.is_zero() {
                    Ordering::Equal
                } else {
                    Ordering::Greater
                }
            }
            Item::Str(s) => qualifier_rank(s).cmp(&(RELEASE_INDEX, "")),
            Item::List(items) => items
                .iter()
                .map(Item::cmp_missing)
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal),
        }
    }

    fn cmp_item(&self, other: &Item) -> Ordering {
        match (self, other) {
            (Item::Int(a), Item::Int(b)) => a.cmp(b),
            (Item::Int(_), _) => Ordering::Greater,
            (Item::Str(_), Item::Int(_)) => Ordering::Less,
            (Item::Str(a), Item::Str(b)) => qualifier_rank(a).cmp(&qualifier_rank(b)),
            (Item::Str(_), Item::List(_)) => Ordering::Less,
            (Item::List(_), Item::Int(_)) => Ordering::Less,
            (Item::List(_), Item::Str(_)) => Ordering::Greater,
            (Item::List(a), Item::List(b)) => cmp_lists(a, b),
        }
    }
}

fn cmp_lists(a: &[Item], b: &[Item]) -> Ordering {
    let len = a.len().max(b.len());
    (0..len)
        .map(|i| match (a.get(i), b.get(i)) {
            (Some(l), Some(r)) => l.cmp_item(r),
            (Some(l), None) => l.cmp_missing(),
            (None, Some(r)) => r.cmp_missing().reverse(),
            (None, None) => Ordering::Equal,
        })
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// Drops trailing null items, walking back over (non-null) nested lists as
/// `ListItem.normalize()` does.
fn normalize(items: &mut Vec<Item>) {
    let mut i = items.len();
    while i > 0 {
        i -= 1;
        if items[i].is_null() {
            items.remove(i);
        } else if !matches!(items[i], Item::List(_)) {
            break;
        }
    }
}

/// Builds nested lists. Java keeps a stack of open lists, each already
/// added to its parent; here a list is attached to its parent (after
/// normalisation) when it is closed, which gives the same tree because
/// children are normalised before their parents in both.
struct Builder {
    stack: Vec<Vec<Item>>,
}

impl Builder {
    fn current(&mut self) -> &mut Vec<Item> {
        if self.stack.is_empty() {
            self.stack.push(Vec::new());
        }
        let last = self.stack.len() - 1;
        &mut self.stack[last]
    }

    fn add(&mut self, item: Item) {
        self.current().push(item);
    }

    fn open_list(&mut self) {
        self.stack.push(Vec::new());
    }

    fn current_is_empty(&mut self) -> bool {
        self.current().is_empty()
    }

    fn finish(mut self) -> Vec<Item> {
        while let Some(mut list) = self.stack.pop() {
            normalize(&mut list);
            match self.stack.last_mut() {
                Some(parent) => parent.push(Item::List(list)),
                None => return list,
            }
        }
        Vec::new()
    }
}

#[derive(Clone, Debug)]
pub(crate) struct MavenVersion {
    items: Vec<Item>,
}

impl MavenVersion {
    /// Never fails: every string is a Maven version.
    pub(crate) fn parse(s: &str) -> Self {
        let version = s.to_lowercase();
        let chars: Vec<(usize, char)> = version.char_indices().collect();
        let mut b = Builder {
            stack: vec![Vec::new()],
        };
        let mut is_digit = false;
        let mut start = 0usize;
        for &(i, c) in &chars {
            match c {
                '.' => {
                    if i == start {
                        b.add(Item::Int(Num::zero()));
                    } else {
                        b.add(parse_item(is_digit, &version[start..i]));
                    }
                    start = i + 1;
                }
                '-' => {
                    if i == start {
                        b.add(Item::Int(Num::zero()));
                    } else {
                        b.add(parse_item(is_digit, &version[start..i]));
                    }
                    start = i + 1;
                    b.open_list();
                }
                '0'..='9' => {
                    if !is_digit && i > start {
                        if !b.current_is_empty() {
                            b.open_list();
                        }
                        b.add(new_string_item(&version[start..i], true));
                        start = i;
                        b.open_list();
                    }
                    is_digit = true;
                }
                _ => {
                    if is_digit && i > start {
                        b.add(parse_item(true, &version[start..i]));
                        start = i;
                        b.open_list();
                    }
                    is_digit = false;
                }
            }
        }
        if version.len() > start {
            if !is_digit && !b.current_is_empty() {
                b.open_list();
            }
            b.add(parse_item(is_digit, &version[start..]));
        }
        MavenVersion { items: b.finish() }
    }
}

impl Ord for MavenVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_lists(&self.items, &other.items)
    }
}

impl PartialOrd for MavenVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for MavenVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for MavenVersion {}
