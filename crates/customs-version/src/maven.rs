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
//!
//! Maven's own comparison is not transitive in a few odd shapes (see
//! [`cmp_lists`]); this port resolves those cycles the way each side compares
//! with the common prefix, so that it is a total order.

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

/// Where an item (or the rest of a list) stands against a missing item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    /// Sorts before "nothing": pre-release qualifiers, lists starting with one.
    Below,
    /// "Nothing": the padding after the end of the shorter list.
    Missing,
    /// Sorts after "nothing": numbers, `sp`, unknown qualifiers, ...
    Above,
}

impl Item {
    fn is_null(&self) -> bool {
        match self {
            Item::Int(n) => n.is_zero(),
            Item::Str(s) => s.is_empty(),
            Item::List(items) => items.is_empty(),
        }
    }

    /// How this item compares with a missing one (`compareTo(null)`), or
    /// `None` when it is equal to a missing item (`0`, `""`).
    fn class(&self) -> Option<Class> {
        match self {
            Item::Int(n) => (!n.is_zero()).then_some(Class::Above),
            Item::Str(s) => match qualifier_rank(s).cmp(&(RELEASE_INDEX, "")) {
                Ordering::Less => Some(Class::Below),
                Ordering::Equal => None,
                Ordering::Greater => Some(Class::Above),
            },
            Item::List(items) => Some(tail_class(items, 0)),
        }
    }

    /// Maven's order between kinds: qualifier < list < number.
    fn kind(&self) -> u8 {
        match self {
            Item::Str(_) => 0,
            Item::List(_) => 1,
            Item::Int(_) => 2,
        }
    }
}

/// How `items[from..]` compares with nothing: decided by its first item
/// that is not equal to a missing one.
fn tail_class(items: &[Item], from: usize) -> Class {
    items
        .iter()
        .skip(from)
        .find_map(Item::class)
        .unwrap_or(Class::Missing)
}

/// Compares two item lists as `ListItem.compareTo` does, with one change
/// that makes the order transitive.
///
/// Maven pads the shorter list with "null" and otherwise compares items of
/// different kinds by kind alone (number > list > qualifier). Both rules
/// together are cyclic: `1.0.alpha.1 > 1-1 > 1 > 1.0.alpha.1` and
/// `1-rc1 > 1.foo.2 > 1 > 1-rc1` in maven-artifact 3.8. Here, at the first
/// position where the lists differ, the rests of both lists are first
/// placed against "nothing" (which is exactly how each compares with the
/// common prefix); only when both fall on the same side does the kind rule
/// decide. This agrees with Maven on every comparison except those in such
/// cycles.
fn cmp_lists(a: &[Item], b: &[Item]) -> Ordering {
    for i in 0..a.len().max(b.len()) {
        let by_class = tail_class(a, i).cmp(&tail_class(b, i));
        if by_class.is_ne() {
            return by_class;
        }
        let (Some(x), Some(y)) = (a.get(i), b.get(i)) else {
            // Only one list has ended, but a normalised list never ends
            // in items equal to nothing, so the classes differed above.
            continue;
        };
        let by_value = match (x, y) {
            (Item::Int(p), Item::Int(q)) => p.cmp(q),
            (Item::Str(p), Item::Str(q)) => qualifier_rank(p).cmp(&qualifier_rank(q)),
            (Item::List(p), Item::List(q)) => cmp_lists(p, q),
            _ => x.kind().cmp(&y.kind()),
        };
        if by_value.is_ne() {
            return by_value;
        }
    }
    Ordering::Equal
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
