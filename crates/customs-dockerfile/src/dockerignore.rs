//! `.dockerignore` matching, following BuildKit's pattern matcher: patterns
//! are relative to the context root (a leading `/` is dropped), `*` and `?`
//! stay within one path segment, `**` spans any number of segments, `[...]`
//! classes and `\` escapes work, `!` re-includes, the last matching pattern
//! wins, and a pattern that matches a directory excludes what is inside it.

/// A parsed `.dockerignore`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DockerIgnore {
    patterns: Vec<Pattern>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    exclusion: bool,
    segments: Vec<String>,
}

/// Normalise a path or pattern into segments: no empty or `.` segments,
/// `..` pops, a leading `/` is ignored.
fn clean(path: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s.to_string()),
        }
    }
    out
}

impl DockerIgnore {
    /// Parse the content of a `.dockerignore` file.
    pub fn parse(content: &str) -> Self {
        let patterns = content
            .lines()
            .filter_map(|line| {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    return None;
                }
                let (exclusion, pat) = match line.strip_prefix('!') {
                    Some(p) => (true, p.trim()),
                    None => (false, line),
                };
                let mut segments = clean(pat);
                // `**/**` means the same as `**`.
                segments.dedup_by(|a, b| a == "**" && b == "**");
                (!segments.is_empty()).then_some(Pattern {
                    exclusion,
                    segments,
                })
            })
            .collect();
        Self { patterns }
    }

    /// Parse patterns given one per item (as `COPY --exclude=` does).
    pub fn from_patterns<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Self {
        let text: Vec<&str> = patterns.into_iter().collect();
        Self::parse(&text.join("\n"))
    }

    /// Whether `path` (relative to the context root) is left out of the
    /// build context.
    pub fn is_excluded(&self, path: &str) -> bool {
        let path = clean(path);
        if path.is_empty() {
            return false;
        }
        let mut excluded = false;
        for p in &self.patterns {
            if matches_path_or_parent(&p.segments, &path) {
                excluded = !p.exclusion;
            }
        }
        excluded
    }
}

/// Whether the pattern matches `path` or one of its parent directories,
/// i.e. some non-empty prefix of `path`. Dynamic programming over
/// (pattern segment, path segment), so `**` chains stay polynomial.
fn matches_path_or_parent(pat: &[String], path: &[String]) -> bool {
    let n = path.len();
    // row[j]: the rest of the pattern matches path[j..k] for some k >= max(j, 1).
    let mut row: Vec<bool> = (0..=n).map(|j| j >= 1).collect();
    for seg in pat.iter().rev() {
        let mut next = vec![false; n + 1];
        for j in (0..=n).rev() {
            next[j] = if seg == "**" {
                row[j] || (j < n && next[j + 1])
            } else {
                j < n && glob_segment(seg.as_bytes(), path[j].as_bytes()) && row[j + 1]
            };
        }
        row = next;
    }
    row[0]
}

/// Match one path segment against a glob (`*`, `?`, `[a-z]`, `[!x]`, `\x`).
fn glob_segment(pat: &[u8], s: &[u8]) -> bool {
    let (mut p, mut i) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while i < s.len() {
        if p < pat.len() {
            match pat[p] {
                b'*' => {
                    while p < pat.len() && pat[p] == b'*' {
                        p += 1;
                    }
                    star = Some((p, i));
                    continue;
                }
                b'?' => {
                    p += 1;
                    i += 1;
                    continue;
                }
                b'[' => {
                    if let Some((matched, next)) = class(&pat[p..], s[i])
                        && matched
                    {
                        p += next;
                        i += 1;
                        continue;
                    }
                }
                b'\\' if p + 1 < pat.len() => {
                    if pat[p + 1] == s[i] {
                        p += 2;
                        i += 1;
                        continue;
                    }
                }
                c => {
                    if c == s[i] {
                        p += 1;
                        i += 1;
                        continue;
                    }
                }
            }
        }
        match star {
            Some((sp, si)) => {
                p = sp;
                i = si + 1;
                star = Some((sp, si + 1));
            }
            None => return false,
        }
    }
    pat[p..].iter().all(|c| *c == b'*')
}

/// A `[...]` class at the start of `pat`: (matches `c`, length of the class).
fn class(pat: &[u8], c: u8) -> Option<(bool, usize)> {
    let mut k = 1;
    let negate = matches!(pat.get(k), Some(b'!' | b'^'));
    if negate {
        k += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let ch = *pat.get(k)?;
        if ch == b']' && !first {
            return Some((matched != negate, k + 1));
        }
        first = false;
        let lo = if ch == b'\\' {
            k += 1;
            *pat.get(k)?
        } else {
            ch
        };
        k += 1;
        if pat.get(k) == Some(&b'-') && pat.get(k + 1).is_some_and(|n| *n != b']') {
            let hi = *pat.get(k + 1)?;
            k += 2;
            if lo <= c && c <= hi {
                matched = true;
            }
        } else if lo == c {
            matched = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_patterns() {
        let d = DockerIgnore::parse("# comment\n.git\n*.env\n/build\n**/secret*\n");
        assert!(d.is_excluded(".git/config"));
        assert!(d.is_excluded("prod.env"));
        assert!(!d.is_excluded("sub/prod.env"));
        assert!(d.is_excluded("build/out"));
        assert!(d.is_excluded("a/b/secret.txt"));
        assert!(d.is_excluded("secret.txt"));
        assert!(!d.is_excluded("src/main.rs"));
    }

    #[test]
    fn exceptions_last_match_wins() {
        let d = DockerIgnore::parse("*\n!src\n!.env.example\n");
        assert!(d.is_excluded(".env"));
        assert!(!d.is_excluded("src/app.py"));
        assert!(!d.is_excluded(".env.example"));
        let d = DockerIgnore::parse("!.env\n.env\n");
        assert!(d.is_excluded(".env"));
    }

    #[test]
    fn double_star_chains_are_fast() {
        let pat = "**/".repeat(200) + "x";
        let d = DockerIgnore::parse(&format!("{pat}\n{}\n", "**/a/".repeat(100) + "y"));
        let path = "a/".repeat(300) + "z";
        assert!(!d.is_excluded(&path));
        assert!(d.is_excluded(&("a/".repeat(300) + "x")));
    }

    #[test]
    fn globs() {
        assert!(glob_segment(b"*.py", b"a.py"));
        assert!(!glob_segment(b"*.py", b"a.pyc"));
        assert!(glob_segment(b"a?c", b"abc"));
        assert!(glob_segment(b"[a-c]x", b"bx"));
        assert!(!glob_segment(b"[!a-c]x", b"bx"));
        assert!(glob_segment(b"\\*", b"*"));
        assert!(glob_segment(b".env*", b".env"));
    }
}
