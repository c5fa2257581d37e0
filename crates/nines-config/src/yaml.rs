//! A small YAML tree that remembers where each node was written, so every
//! validation error can name its line.
//!
//! Built from `saphyr-parser`'s event stream rather than a serde deserializer:
//! serde loses positions, and positions are the point of config errors.
//! Anchors and aliases are resolved here (an alias becomes a copy of its
//! anchored node, keeping the anchor's line). Types are not guessed: a scalar
//! stays text until the validator asks for a number, a duration or a name.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Tag};

/// Deeper nesting than this is refused: no config needs it, and a bounded
/// depth keeps recursive walks and drops of the tree off the stack limit.
const MAX_DEPTH: usize = 64;

/// Nodes a document may expand to once aliases are copied. A config of
/// 100,000 SLOs holds about a million; the cap stops "billion laughs" alias
/// bombs before they exhaust memory.
const MAX_NODES: usize = 2_000_000;

/// Bytes the expanded tree may take (nodes and scalar text). Counted
/// before the tree is built (see [`measure`]), so a refused alias bomb
/// allocates nothing: each refused reload of one used to keep hundreds
/// of MiB in the allocator (issue 17).
const MAX_BYTES: usize = 256 * 1024 * 1024;

/// Bytes alias copies may add: configs alias small shared snippets
/// (labels, a channel list), never megabytes.
const MAX_ALIASED_BYTES: usize = 16 * 1024 * 1024;

/// What one node costs in the tree, besides its text.
const NODE_BYTES: usize = std::mem::size_of::<Node>() + std::mem::size_of::<(Node, Node)>() / 2;

/// One YAML node and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// 1-based line of the node's first character.
    pub line: usize,
    /// 1-based column of the node's first character.
    pub col: usize,
    pub kind: Kind,
}

/// What a node holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// `~`, `null`, or nothing at all (`key:` with no value).
    Null,
    /// Any scalar, as written. `quoted` is true for quoted and block scalars,
    /// which are always strings; plain scalars may be read as numbers.
    Scalar {
        value: String,
        quoted: bool,
    },
    Seq(Vec<Node>),
    /// Pairs in document order; duplicate keys are kept so the validator can
    /// report them with their field path.
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// What the node is, for "expected a mapping, found a sequence".
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            Kind::Null => "nothing (null)",
            Kind::Scalar { .. } => "a scalar",
            Kind::Seq(_) => "a sequence",
            Kind::Map(_) => "a mapping",
        }
    }

    /// The text of a scalar node.
    pub fn as_scalar(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }
}

/// Why a text is not a YAML document nines can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// 1-based line.
    pub line: usize,
    pub message: String,
}

/// A collection being built: its start position and the children so far.
enum Frame {
    Seq {
        node: Node,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        node: Node,
        anchor: usize,
        pairs: Vec<(Node, Node)>,
        key: Option<Node>,
    },
}

/// Parses one YAML document. `Ok(None)` for a text without a document (empty,
/// or only comments). More than one document is an error: a config file is
/// one document, and a silently ignored second one would hide settings.
pub fn parse(text: &str) -> Result<Option<Node>, YamlError> {
    Ok(parse_inner(text, true)?.pop())
}

/// Parses every document of a stream (`---` between them), as OpenSLO
/// files hold several. Empty documents are left out.
pub fn parse_documents(text: &str) -> Result<Vec<Node>, YamlError> {
    let mut docs = parse_inner(text, false)?;
    docs.retain(|d| d.kind != Kind::Null);
    Ok(docs)
}

/// Walks the event stream once without building anything and refuses a
/// document whose expansion (aliases copied) passes [`MAX_NODES`] or
/// [`MAX_BYTES`]. Parse errors are left to the building pass, which
/// reports them with their line.
fn measure(text: &str) -> Result<(), YamlError> {
    // Per open collection: its anchor, nodes and bytes so far.
    let mut stack: Vec<(usize, usize, usize)> = Vec::new();
    let mut anchors: HashMap<usize, (usize, usize)> = HashMap::new();
    let (mut nodes, mut bytes, mut aliased) = (0usize, 0usize, 0usize);
    let last = last_line(text);
    for event in Parser::new_from_str(text) {
        let Ok((event, span)) = event else {
            return Ok(());
        };
        let (anchor, n, b) = match event {
            Event::DocumentStart(_) => {
                anchors.clear();
                continue;
            }
            Event::Scalar(value, _, anchor, _) => (anchor, 1, NODE_BYTES + value.len()),
            Event::Alias(id) => match anchors.get(&id) {
                Some(&(n, b)) => {
                    aliased = aliased.saturating_add(b);
                    (0, n, b)
                }
                None => continue,
            },
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                stack.push((anchor, 1, NODE_BYTES));
                nodes += 1;
                bytes += NODE_BYTES;
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some((anchor, n, b)) = stack.pop() else {
                    continue;
                };
                if anchor != 0 {
                    anchors.insert(anchor, (n, b));
                }
                if let Some(parent) = stack.last_mut() {
                    parent.1 = parent.1.saturating_add(n);
                    parent.2 = parent.2.saturating_add(b);
                }
                continue;
            }
            _ => continue,
        };
        nodes = nodes.saturating_add(n);
        bytes = bytes.saturating_add(b);
        if anchor != 0 {
            anchors.insert(anchor, (n, b));
        }
        if let Some(parent) = stack.last_mut() {
            parent.1 = parent.1.saturating_add(n);
            parent.2 = parent.2.saturating_add(b);
        }
        if nodes > MAX_NODES || bytes > MAX_BYTES || aliased > MAX_ALIASED_BYTES {
            return Err(YamlError {
                line: span.start.line().clamp(1, last),
                message: format!(
                    "the document expands to more than {MAX_NODES} nodes or {} MiB once \
                     aliases are copied (aliases may add at most {} MiB); are aliases nested \
                     inside each other?",
                    MAX_BYTES / (1024 * 1024),
                    MAX_ALIASED_BYTES / (1024 * 1024)
                ),
            });
        }
    }
    Ok(())
}

fn parse_inner(text: &str, single: bool) -> Result<Vec<Node>, YamlError> {
    measure(text)?;
    let mut stack: Vec<Frame> = Vec::new();
    // Finished anchored nodes and their size in nodes, for the expansion cap.
    let mut anchors: HashMap<usize, (Node, usize)> = HashMap::new();
    let mut roots: Vec<Node> = Vec::new();
    let mut documents = 0usize;
    let mut nodes = 0usize;
    // The scanner places end-of-input errors and empty values on the line
    // after a final line break; editors show no such line.
    let last = last_line(text);

    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| YamlError {
            line: e.marker().line().clamp(1, last),
            message: format!("invalid YAML: {}", e.info()),
        })?;
        let line = span.start.line().clamp(1, last);
        let col = span.start.col() + 1;
        let at = |kind| Node { line, col, kind };
        let finished: (Node, usize, usize) = match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => continue,
            Event::DocumentStart(_) => {
                documents += 1;
                anchors.clear();
                if single && documents > 1 {
                    return Err(YamlError {
                        line,
                        message: "a config file holds one YAML document; found a second one \
                                  (after `---`); move it to a file of its own"
                            .to_string(),
                    });
                }
                continue;
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some((node, size)) => {
                    nodes += size;
                    (node.clone(), 0, *size)
                }
                None => {
                    return Err(YamlError {
                        line,
                        message: "an alias refers to a node that contains it; a node cannot \
                                  include itself"
                            .to_string(),
                    });
                }
            },
            Event::Scalar(value, style, anchor, tag) => {
                nodes += 1;
                (
                    at(scalar_kind(
                        value.into_owned(),
                        style,
                        tag.as_deref(),
                        line,
                    )?),
                    anchor,
                    1,
                )
            }
            Event::SequenceStart(anchor, tag) => {
                check_tag(tag.as_deref(), line)?;
                if stack.len() >= MAX_DEPTH {
                    return Err(too_deep(line));
                }
                nodes += 1;
                stack.push(Frame::Seq {
                    node: at(Kind::Null),
                    anchor,
                    items: Vec::new(),
                });
                continue;
            }
            Event::MappingStart(anchor, tag) => {
                check_tag(tag.as_deref(), line)?;
                if stack.len() >= MAX_DEPTH {
                    return Err(too_deep(line));
                }
                nodes += 1;
                stack.push(Frame::Map {
                    node: at(Kind::Null),
                    anchor,
                    pairs: Vec::new(),
                    key: None,
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq {
                    mut node,
                    anchor,
                    items,
                }) => {
                    let size = 1 + items.iter().map(size_of).sum::<usize>();
                    node.kind = Kind::Seq(items);
                    (node, anchor, size)
                }
                Some(Frame::Map {
                    mut node,
                    anchor,
                    pairs,
                    ..
                }) => {
                    let size = 1 + pairs
                        .iter()
                        .map(|(k, v)| size_of(k) + size_of(v))
                        .sum::<usize>();
                    node.kind = Kind::Map(pairs);
                    (node, anchor, size)
                }
                // The parser balances starts and ends; nothing to close means
                // there is nothing to attach either.
                None => continue,
            },
        };
        if nodes > MAX_NODES {
            return Err(YamlError {
                line,
                message: format!(
                    "the document expands to more than {MAX_NODES} nodes; are aliases nested \
                     inside each other?"
                ),
            });
        }
        let (node, anchor, size) = finished;
        if anchor != 0 {
            anchors.insert(anchor, (node.clone(), size));
        }
        match stack.last_mut() {
            None => roots.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { pairs, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => pairs.push((k, node)),
            },
        }
    }
    Ok(roots)
}

/// The number of the last line of `text` as an editor counts them: YAML
/// breaks lines at `\n`, `\r\n` and a lone `\r`, and a final break does not
/// start another line.
fn last_line(text: &str) -> usize {
    let breaks =
        text.matches('\n').count() + text.matches('\r').count() - text.matches("\r\n").count();
    let open_last = !(text.ends_with('\n') || text.ends_with('\r'));
    (breaks + usize::from(open_last)).max(1)
}

/// Nodes in a subtree, counting the root.
fn size_of(node: &Node) -> usize {
    match &node.kind {
        Kind::Null | Kind::Scalar { .. } => 1,
        Kind::Seq(items) => 1 + items.iter().map(size_of).sum::<usize>(),
        Kind::Map(pairs) => {
            1 + pairs
                .iter()
                .map(|(k, v)| size_of(k) + size_of(v))
                .sum::<usize>()
        }
    }
}

fn too_deep(line: usize) -> YamlError {
    YamlError {
        line,
        message: format!("nesting deeper than {MAX_DEPTH} levels"),
    }
}

/// Core-schema tags (`!!str`, `!!int`, ...) are allowed; custom tags mean
/// the file was written for another program.
fn check_tag(tag: Option<&Tag>, line: usize) -> Result<(), YamlError> {
    match tag {
        Some(tag) if !tag.is_yaml_core_schema() => Err(YamlError {
            line,
            message: format!("the YAML tag `{tag}` is not supported; remove it"),
        }),
        _ => Ok(()),
    }
}

/// A plain `~`, `null` or empty scalar is null; `!!str` makes a plain
/// scalar a string, as quotes would.
fn scalar_kind(
    value: String,
    style: ScalarStyle,
    tag: Option<&Tag>,
    line: usize,
) -> Result<Kind, YamlError> {
    check_tag(tag, line)?;
    let forced_string = tag.is_some_and(|t| t.suffix == "str");
    let quoted = forced_string || style != ScalarStyle::Plain;
    if !quoted && matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL") {
        return Ok(Kind::Null);
    }
    Ok(Kind::Scalar { value, quoted })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(line: usize, col: usize, value: &str) -> Node {
        Node {
            line,
            col,
            kind: Kind::Scalar {
                value: value.to_string(),
                quoted: false,
            },
        }
    }

    #[test]
    fn records_lines_and_columns() {
        let root = parse("a: 1\nb:\n  - x\n  - 'y'\nc:\n").unwrap().unwrap();
        let Kind::Map(pairs) = &root.kind else {
            panic!("{root:?}")
        };
        assert_eq!((root.line, root.col), (1, 1));
        assert_eq!(pairs[0], (scalar(1, 1, "a"), scalar(1, 4, "1")));
        let Kind::Seq(items) = &pairs[1].1.kind else {
            panic!()
        };
        assert_eq!(items[0], scalar(3, 5, "x"));
        assert_eq!(
            items[1].kind,
            Kind::Scalar {
                value: "y".into(),
                quoted: true
            }
        );
        assert_eq!(items[1].line, 4);
        assert_eq!(pairs[2].1.kind, Kind::Null);
    }

    #[test]
    fn lines_count_like_an_editor() {
        assert_eq!(last_line(""), 1);
        assert_eq!(last_line("a"), 1);
        assert_eq!(last_line("a\n"), 1);
        assert_eq!(last_line("a\nb"), 2);
        assert_eq!(last_line("a\r\nb\rc\n"), 3);
        assert_eq!(parse("a: [1, 2\n").unwrap_err().line, 1);
    }

    #[test]
    fn nulls_only_when_plain() {
        let root = parse("[~, null, '', 'null', !!str null]").unwrap().unwrap();
        let Kind::Seq(items) = root.kind else {
            panic!()
        };
        let kinds: Vec<bool> = items.iter().map(|n| n.kind == Kind::Null).collect();
        assert_eq!(kinds, [true, true, false, false, false]);
    }

    #[test]
    fn aliases_copy_the_anchored_node() {
        let root = parse("a: &x {k: v}\nb: *x\n").unwrap().unwrap();
        let Kind::Map(pairs) = root.kind else {
            panic!()
        };
        assert_eq!(pairs[0].1, pairs[1].1);
        assert_eq!(pairs[1].1.line, 1);
    }

    #[test]
    fn empty_text_has_no_document() {
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(parse("# only a comment\n").unwrap(), None);
    }

    #[test]
    fn refuses_second_document_bombs_and_depth() {
        let err = parse("a: 1\n---\nb: 2\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("second one"), "{err:?}");

        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..8 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("l{}", i - 1)
            };
            bomb.push_str(&format!("l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        assert!(parse(&bomb).unwrap_err().message.contains("expands"));

        // Issue 17: few nodes, long text: refused on size, before the tree
        // is built.
        let mut wide = format!("a: &a \"{}\"\n", "x".repeat(64 * 1024));
        for i in 0..3 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("w{}", i - 1)
            };
            let items = vec![format!("*{prev}"); 40].join(", ");
            wide.push_str(&format!("w{i}: &w{i} [{items}]\n"));
        }
        let err = parse(&wide).unwrap_err();
        assert!(err.message.contains("MiB"), "{err:?}");
        assert_eq!(err.line, 3, "the line where the alias limit was passed");

        let deep = "[".repeat(100) + &"]".repeat(100);
        assert!(parse(&deep).unwrap_err().message.contains("deeper"));
    }

    #[test]
    fn scan_errors_keep_their_line() {
        let err = parse("a: 1\nb: [1, 2\n").unwrap_err();
        assert!(err.message.starts_with("invalid YAML: "), "{err:?}");
        assert_eq!(err.line, 2, "{err:?}");
    }

    #[test]
    fn custom_tags_are_refused() {
        let err = parse("a: !secret x\n").unwrap_err();
        assert_eq!(
            err.message,
            "the YAML tag `!secret` is not supported; remove it"
        );
    }
}
