//! The bounded symbolic pickle machine. It follows the unpickler's stack, marks and memo
//! closely enough to name every imported callable (also when `STACK_GLOBAL`'s strings come
//! through the memo) and to attribute every call to it. Nothing is ever executed.
//!
//! Where Python's unpickler would raise on a *semantic* problem (stack underflow, missing MARK,
//! unknown memo key) the walker records a "malformed" anomaly and carries on with an unknown
//! value, so that imports after the problem are still reported. Lexical problems (unknown
//! opcode, truncated argument) stop the walk.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Read;
use std::rc::{Rc, Weak};

use super::lexer::{Arg, Blob, Lexer, NAME_LINE_CAP, Op};
use super::opcodes::{HIGHEST_PROTOCOL, Opcode};
use super::value::{
    Map, Obj, Origin, Seq, Text, Value, decode_raw_unicode_escape, decode_string_literal,
};
use crate::error::PickleError;
use crate::limits::Limits;
use crate::policy::{self, Judgement};
use crate::report::{Finding, FindingKind, ImportRef, Severity, Verdict};

/// Strings up to this length are always kept in full, whatever the retention budget.
const SHORT_CONST: usize = 256;

/// Bytes of a joblib array region re-read as plain pickle opcodes.
const SHADOW_BYTES: usize = 4096;
/// Memo size up to which that re-read copies the machine.
const SHADOW_MAX_MEMO: usize = 100_000;
/// Items kept per container.
const KEPT_ITEMS: usize = 64;

/// How a stream is walked.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WalkOptions {
    /// Stop after this many pickles (`None`: until the stream ends).
    pub max_pickles: Option<u32>,
    /// Follow joblib's interleaved array data after `NumpyArrayWrapper` BUILDs.
    pub joblib: bool,
    /// Nesting depth of this stream (for joblib object arrays inside joblib object arrays).
    pub depth: u32,
}

impl Default for WalkOptions {
    fn default() -> Self {
        Self {
            max_pickles: None,
            joblib: true,
            depth: 0,
        }
    }
}

/// A bytes constant handed to a callable that unpickles it (`pickle.loads(b"...")`,
/// `torch.storage._load_from_bytes(b"...")`): scanned as a nested model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NestedPayload {
    /// Offset of the call.
    pub offset: u64,
    /// `module.name` of the callable.
    pub callable: String,
    /// The bytes.
    pub data: Vec<u8>,
}

/// The result of walking one pickle stream (one or more concatenated pickles).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PickleScan {
    /// Findings, worst first. `inner_path` is unset.
    pub findings: Vec<Finding>,
    /// Every import, allowed ones included, in order of first appearance.
    pub imports: Vec<ImportRef>,
    /// Complete pickles (ending in STOP).
    pub pickles: u32,
    /// Opcodes walked.
    pub opcodes: u64,
    /// Bytes consumed.
    pub bytes: u64,
    /// Highest protocol declared by a PROTO opcode.
    pub protocol: Option<u8>,
    /// Whether the stream was walked to its end without error or bound.
    pub complete: bool,
    /// Whether the stream used joblib's interleaved array layout.
    pub joblib_arrays: u32,
    /// Byte payloads passed to unpickling callables, for nested scanning.
    #[serde(skip)]
    pub nested: Vec<NestedPayload>,
}

impl PickleScan {
    /// The verdict the findings imply.
    pub fn verdict(&self) -> Verdict {
        Verdict::from_findings(&self.findings)
    }

    /// The worst severity among the findings.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// Walks `reader` as a pickle stream with default options.
pub fn scan_pickle_with<R: Read>(reader: R, limits: &Limits) -> PickleScan {
    walk(reader, limits, WalkOptions::default())
}

pub(crate) fn walk<R: Read>(reader: R, limits: &Limits, opts: WalkOptions) -> PickleScan {
    let mut lexer = Lexer::new(reader, limits.max_pickle_bytes);
    let mut w = Walker::new(limits, opts);
    let outcome = w.run(&mut lexer);
    let bytes = lexer.pos();
    w.finish(outcome, bytes)
}

struct ImportState {
    module: String,
    name: String,
    opcode: Opcode,
    offset: u64,
    calls: u64,
    call_ops: Vec<&'static str>,
    first_args: Option<String>,
    judgement: Judgement,
}

impl ImportState {
    fn callable(&self) -> String {
        format!("{}.{}", self.module, self.name)
    }
}

enum Event {
    Dynamic {
        offset: u64,
        detail: String,
    },
    Indirect {
        offset: u64,
        op: &'static str,
        callee: String,
    },
    GlobalMutation {
        offset: u64,
        op: &'static str,
        import: usize,
    },
    Ext {
        offset: u64,
        code: i64,
    },
    JoblibDifferential {
        offset: u64,
    },
}

enum Tracked {
    Seq(Weak<RefCell<Seq>>),
    Map(Weak<RefCell<Map>>),
    Obj(Weak<Obj>),
}

impl Tracked {
    fn alive(&self) -> bool {
        match self {
            Self::Seq(w) => w.strong_count() > 0,
            Self::Map(w) => w.strong_count() > 0,
            Self::Obj(w) => w.strong_count() > 0,
        }
    }

    /// Empties the container so reference cycles built through the memo are broken.
    fn clear(&self) {
        match self {
            Self::Seq(w) => {
                if let Some(s) = w.upgrade() {
                    s.borrow_mut().items.clear();
                }
            }
            Self::Map(w) => {
                if let Some(m) = w.upgrade() {
                    m.borrow_mut().items.clear();
                }
            }
            Self::Obj(w) => {
                if let Some(o) = w.upgrade() {
                    o.state.borrow_mut().take();
                }
            }
        }
    }
}

enum Flow {
    Continue,
    Stop,
}

/// The unpickler's memo: dense for the usual small consecutive keys, a map for the rest.
#[derive(Default, Clone)]
struct Memo {
    dense: Vec<Option<Value>>,
    sparse: HashMap<u64, Value>,
    len: usize,
}

impl Memo {
    fn get(&self, k: u64) -> Option<&Value> {
        match usize::try_from(k).ok().and_then(|i| self.dense.get(i)) {
            Some(slot) => slot.as_ref(),
            None => self.sparse.get(&k),
        }
    }

    fn contains(&self, k: u64) -> bool {
        self.get(k).is_some()
    }

    /// Number of keys, as Python's `len(memo)` (MEMOIZE's next key).
    fn len(&self) -> usize {
        self.len
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn insert(&mut self, k: u64, v: Value, dense_cap: usize) {
        let idx = usize::try_from(k).unwrap_or(usize::MAX);
        if idx < self.dense.len() {
            if self.dense[idx].replace(v).is_none() {
                self.len += 1;
            }
            return;
        }
        // Grow the dense part only for keys close to its end (consecutive memoization).
        if idx < dense_cap
            && idx <= self.dense.len().saturating_mul(2).saturating_add(1024)
            && !self.sparse.contains_key(&k)
        {
            self.dense.resize(idx + 1, None);
            self.dense[idx] = Some(v);
            self.len += 1;
            return;
        }
        if self.sparse.insert(k, v).is_none() {
            self.len += 1;
        }
    }
}

/// The unpickler's machine state: stack, marks and memo.
#[derive(Default, Clone)]
struct Machine {
    stack: Vec<Value>,
    marks: Vec<usize>,
    memo: Memo,
    memo_dropped: u64,
}

struct Walker<'l> {
    limits: &'l Limits,
    opts: WalkOptions,
    /// The machine of Python's usual semantics: a fresh `Unpickler` (and memo) per pickle.
    m: Machine,
    /// For the second and later pickles of a stream, a machine that keeps the memo of the
    /// previous ones, as a reused `Unpickler` does. It runs in lockstep with `m`, quietly
    /// (no anomalies, no reads of interleaved data), so that memo tricks spanning pickles
    /// cannot hide an import.
    alt: Option<Machine>,
    quiet: bool,
    /// Anomalies seen while quiet (they end a shadow walk).
    quiet_anomalies: u64,
    proto: Option<u8>,
    imports: Vec<ImportState>,
    import_index: HashMap<(String, String), usize>,
    events: Vec<Event>,
    anomalies: u64,
    first_anomaly: Option<(u64, String)>,
    tracked: Vec<Tracked>,
    tracked_live: usize,
    retained_bytes: u64,
    retained_items: u64,
    ops: u64,
    pickles: u32,
    nesting: u32,
    joblib_arrays: u32,
    trailing: Option<u64>,
    nested: Vec<NestedPayload>,
}

impl Drop for Walker<'_> {
    fn drop(&mut self) {
        for t in &self.tracked {
            t.clear();
        }
    }
}

impl<'l> Walker<'l> {
    fn new(limits: &'l Limits, opts: WalkOptions) -> Self {
        Self {
            limits,
            opts,
            m: Machine::default(),
            alt: None,
            quiet: false,
            quiet_anomalies: 0,
            proto: None,
            imports: Vec::new(),
            import_index: HashMap::new(),
            events: Vec::new(),
            anomalies: 0,
            first_anomaly: None,
            tracked: Vec::new(),
            tracked_live: 64,
            retained_bytes: 0,
            retained_items: 0,
            ops: 0,
            pickles: 0,
            nesting: opts.depth,
            joblib_arrays: 0,
            trailing: None,
            nested: Vec::new(),
        }
    }

    // ----- bookkeeping -------------------------------------------------------------------

    fn anomaly(&mut self, offset: u64, what: impl Into<String>) {
        if self.quiet {
            self.quiet_anomalies += 1;
            return;
        }
        self.anomalies += 1;
        if self.first_anomaly.is_none() {
            self.first_anomaly = Some((offset, what.into()));
        }
    }

    fn track(&mut self, t: Tracked) {
        self.tracked.push(t);
        if self.tracked.len() > 2 * self.tracked_live {
            self.tracked.retain(Tracked::alive);
            self.tracked_live = self.tracked.len().max(64);
        }
    }

    fn new_list(&mut self) -> Value {
        let rc = Rc::new(RefCell::new(Seq::default()));
        self.track(Tracked::Seq(Rc::downgrade(&rc)));
        Value::List(rc)
    }

    fn new_set(&mut self) -> Value {
        let rc = Rc::new(RefCell::new(Seq::default()));
        self.track(Tracked::Seq(Rc::downgrade(&rc)));
        Value::Set(rc)
    }

    fn new_dict(&mut self) -> Value {
        let rc = Rc::new(RefCell::new(Map::default()));
        self.track(Tracked::Map(Rc::downgrade(&rc)));
        Value::Dict(rc)
    }

    fn new_obj(&mut self, origin: Origin, args: Value) -> Value {
        let rc = Rc::new(Obj {
            origin,
            args,
            state: RefCell::new(None),
        });
        self.track(Tracked::Obj(Rc::downgrade(&rc)));
        Value::Obj(rc)
    }

    /// Keeps the first items of a sequence within the global item budget.
    fn seq_from(&mut self, items: Vec<Value>) -> Seq {
        let len = items.len() as u64;
        let mut items = items;
        let keep = self.keep_count(items.len());
        items.truncate(keep);
        Seq { items, len }
    }

    fn keep_count(&mut self, n: usize) -> usize {
        let budget = self
            .limits
            .max_retained_items
            .saturating_sub(self.retained_items);
        let keep = n
            .min(KEPT_ITEMS)
            .min(usize::try_from(budget).unwrap_or(usize::MAX));
        self.retained_items += keep as u64;
        keep
    }

    fn retain_cap(&self) -> usize {
        let left = self
            .limits
            .max_retained_bytes
            .saturating_sub(self.retained_bytes);
        let cap = usize::try_from(left)
            .unwrap_or(usize::MAX)
            .min(self.limits.max_const_bytes);
        cap.max(SHORT_CONST)
    }

    fn push(&mut self, v: Value, offset: u64) -> Result<(), PickleError> {
        if self.m.stack.len() >= self.limits.max_stack_depth {
            return Err(PickleError::Limit {
                what: "stack depth",
                limit: self.limits.max_stack_depth as u64,
                offset,
            });
        }
        self.m.stack.push(v);
        Ok(())
    }

    fn fence(&self) -> usize {
        self.m.marks.last().copied().unwrap_or(0)
    }

    fn pop(&mut self, offset: u64, op: &str) -> Value {
        if self.m.stack.len() > self.fence() {
            self.m.stack.pop().unwrap_or(Value::Unknown)
        } else {
            self.anomaly(offset, format!("{op}: stack underflow"));
            Value::Unknown
        }
    }

    fn top(&mut self, offset: u64, op: &str) -> Value {
        if self.m.stack.len() > self.fence() {
            self.m.stack.last().cloned().unwrap_or(Value::Unknown)
        } else {
            self.anomaly(offset, format!("{op}: stack underflow"));
            Value::Unknown
        }
    }

    fn pop_mark(&mut self, offset: u64, op: &str) -> Vec<Value> {
        match self.m.marks.pop() {
            Some(m) => {
                let m = m.min(self.m.stack.len());
                self.m.stack.split_off(m)
            }
            None => {
                self.anomaly(offset, format!("{op}: could not find MARK"));
                Vec::new()
            }
        }
    }

    fn import(&mut self, module: String, name: String, opcode: Opcode, offset: u64) -> usize {
        let key = (module, name);
        if let Some(&i) = self.import_index.get(&key) {
            return i;
        }
        let (module, name) = key;
        let judgement = policy::judge(&module, &name);
        let i = self.imports.len();
        self.import_index.insert((module.clone(), name.clone()), i);
        self.imports.push(ImportState {
            module,
            name,
            opcode,
            offset,
            calls: 0,
            call_ops: Vec::new(),
            first_args: None,
            judgement,
        });
        i
    }

    fn import_name(&self, i: usize) -> String {
        self.imports
            .get(i)
            .map_or_else(|| "?".to_string(), ImportState::callable)
    }

    fn render(&self, v: &Value) -> String {
        let mut out = String::new();
        let names = |i: usize| self.import_name(i);
        v.render(&names, &mut out, 0);
        out
    }

    fn describe_callee(&self, v: &Value) -> String {
        match v {
            Value::Obj(o) => match o.origin {
                Origin::Import(i) => format!("the result of {}(…)", self.import_name(i)),
                Origin::Computed => "a computed object".to_string(),
            },
            Value::Pers(_) => "a persistent-load object".to_string(),
            Value::Unknown => "an unknown value".to_string(),
            other => self.render(other),
        }
    }

    fn record_call(&mut self, i: usize, op: &'static str, args: Option<&Value>) {
        let rendered = match args {
            Some(a) if self.imports.get(i).is_some_and(|s| s.first_args.is_none()) => {
                Some(self.render(a))
            }
            _ => None,
        };
        let quiet = self.quiet;
        if let Some(st) = self.imports.get_mut(i) {
            if quiet && st.calls > 0 {
                return;
            }
            st.calls += 1;
            if !st.call_ops.contains(&op) {
                st.call_ops.push(op);
            }
            if st.first_args.is_none() {
                st.first_args = rendered;
            }
        }
    }

    /// Calls `callable` with `args` as `op` does; returns the resulting object.
    fn call(&mut self, callable: Value, args: Value, op: &'static str, offset: u64) -> Value {
        match callable {
            Value::Global(i) => {
                self.record_call(i, op, Some(&args));
                self.capture_payload(i, &args, offset);
                self.new_obj(Origin::Import(i), args)
            }
            Value::Obj(_) | Value::Pers(_) | Value::Unknown | Value::Buffer => {
                let callee = self.describe_callee(&callable);
                self.events.push(Event::Indirect { offset, op, callee });
                self.new_obj(Origin::Computed, args)
            }
            _ => {
                self.anomaly(offset, format!("{op}: calling a non-callable constant"));
                Value::Unknown
            }
        }
    }

    /// Applies an implicit method call (`BUILD`'s `__setstate__`, `SETITEM`'s `__setitem__`,
    /// `APPEND`'s `append`/`extend`, `ADDITEMS`'s `add`) to `target`.
    fn method_on(&mut self, target: &Value, op: &'static str, offset: u64) {
        match target {
            Value::Obj(o) => {
                if let Origin::Import(i) = o.origin {
                    self.record_call(i, op, None);
                }
            }
            Value::Global(i) => {
                let i = *i;
                self.record_call(i, op, None);
                self.events.push(Event::GlobalMutation {
                    offset,
                    op,
                    import: i,
                });
            }
            Value::Pers(_) => {
                let callee = self.describe_callee(target);
                self.events.push(Event::Indirect { offset, op, callee });
            }
            _ => {}
        }
    }

    fn capture_payload(&mut self, i: usize, args: &Value, offset: u64) {
        let Some(st) = self.imports.get(i) else {
            return;
        };
        if !policy::loads_payload(&st.module, &st.name) {
            return;
        }
        let callable = st.callable();
        let Some((items, _)) = args.seq_items() else {
            return;
        };
        let Some(first) = items.first() else { return };
        if let Some(data) = self.bytes_of(first) {
            self.nested.push(NestedPayload {
                offset,
                callable,
                data,
            });
        }
    }

    /// The bytes a value stands for: a bytes constant, or protocol 2's
    /// `_codecs.encode('<latin-1 text>', 'latin1')`.
    fn bytes_of(&self, v: &Value) -> Option<Vec<u8>> {
        match v {
            Value::Bytes(b) if b.is_complete() => Some(b.bytes.clone()),
            Value::Obj(o) => {
                let Origin::Import(i) = o.origin else {
                    return None;
                };
                let st = self.imports.get(i)?;
                let (m, n) = policy::normalize(&st.module, &st.name);
                if !matches!((m, n), ("_codecs" | "codecs", "encode")) {
                    return None;
                }
                let (items, _) = o.args.seq_items()?;
                let text = items.first()?.as_str()?;
                if !text.complete {
                    return None;
                }
                text.s
                    .chars()
                    .map(|c| u8::try_from(u32::from(c)).ok())
                    .collect()
            }
            _ => None,
        }
    }

    // ----- the machine -------------------------------------------------------------------

    fn run<R: Read>(&mut self, lexer: &mut Lexer<R>) -> Result<(), PickleError> {
        loop {
            if let Some(max) = self.opts.max_pickles
                && self.pickles >= max
            {
                return Ok(());
            }
            if lexer.at_eof()? {
                if self.pickles == 0 {
                    return Err(PickleError::Truncated {
                        offset: 0,
                        context: "the first opcode (empty stream)",
                    });
                }
                return Ok(());
            }
            let start = lexer.pos();
            let ops_before = self.ops;
            let anomalies_before = (self.anomalies, self.first_anomaly.clone());
            match self.run_one(lexer) {
                Ok(()) => {}
                Err(e) if self.pickles > 0 && self.ops <= ops_before + 1 && !e.is_limit() => {
                    // Bytes after the last pickle that do not even start one.
                    (self.anomalies, self.first_anomaly) = anomalies_before;
                    self.trailing = Some(start);
                    return Ok(());
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Walks one pickle up to and including its STOP.
    fn run_one<R: Read>(&mut self, lexer: &mut Lexer<R>) -> Result<(), PickleError> {
        if self.pickles > 0 {
            // A later pickle: fresh memo for the usual semantics; the carried memo (of a
            // reused Unpickler) in the lockstep machine, when there is one to carry.
            let previous = std::mem::take(&mut self.m);
            let carried = self.alt.take().unwrap_or(previous);
            if !carried.memo.is_empty() {
                self.alt = Some(Machine {
                    stack: Vec::new(),
                    marks: Vec::new(),
                    ..carried
                });
            }
        }
        self.m.stack.clear();
        self.m.marks.clear();
        loop {
            let retain = self.retain_cap();
            let offset = lexer.pos();
            let Some(op) = lexer.next_op(retain)? else {
                return Err(PickleError::Truncated {
                    offset,
                    context: "the next opcode (no STOP)",
                });
            };
            if self.ops >= self.limits.max_opcodes {
                return Err(PickleError::Limit {
                    what: "opcode",
                    limit: self.limits.max_opcodes,
                    offset,
                });
            }
            self.ops += 1;
            self.account(&op.arg);
            if let Some(mut alt) = self.alt.take() {
                std::mem::swap(&mut self.m, &mut alt);
                self.quiet = true;
                let _ = self.step(&op, None::<&mut Lexer<R>>);
                self.quiet = false;
                std::mem::swap(&mut self.m, &mut alt);
                self.alt = Some(alt);
            }
            match self.step(&op, Some(&mut *lexer))? {
                Flow::Continue => {}
                Flow::Stop => {
                    self.pickles += 1;
                    return Ok(());
                }
            }
        }
    }

    fn account(&mut self, arg: &Arg) {
        let kept = match arg {
            Arg::Data(b) | Arg::Line(b) => b.bytes.len(),
            _ => 0,
        };
        if kept > SHORT_CONST {
            self.retained_bytes += kept as u64;
        }
    }

    /// Applies one opcode. `lexer` is `None` for the quiet lockstep machine, which must not
    /// consume interleaved data.
    fn step<R: Read>(
        &mut self,
        op: &Op,
        lexer: Option<&mut Lexer<R>>,
    ) -> Result<Flow, PickleError> {
        let offset = op.pos;
        let name = op.op.name();
        match (op.op, &op.arg) {
            (Opcode::Proto, Arg::Int(p)) => {
                let p = u8::try_from(*p).unwrap_or(u8::MAX);
                if p > HIGHEST_PROTOCOL {
                    return Err(PickleError::BadArgument {
                        offset,
                        opcode: name,
                        reason: format!("unsupported pickle protocol {p}"),
                    });
                }
                self.proto = Some(self.proto.map_or(p, |q| q.max(p)));
            }
            (Opcode::Frame, _) => {}
            (Opcode::Stop, _) => {
                let _ = self.pop(offset, name);
                return Ok(Flow::Stop);
            }
            (Opcode::Mark, _) => {
                if self.m.marks.len() >= self.limits.max_stack_depth {
                    return Err(PickleError::Limit {
                        what: "mark depth",
                        limit: self.limits.max_stack_depth as u64,
                        offset,
                    });
                }
                self.m.marks.push(self.m.stack.len());
            }
            (Opcode::Pop, _) => {
                if self.m.stack.len() > self.fence() {
                    self.m.stack.pop();
                } else if self.m.marks.pop().is_none() {
                    self.anomaly(offset, "POP: stack underflow");
                }
            }
            (Opcode::PopMark, _) => {
                let _ = self.pop_mark(offset, name);
            }
            (Opcode::Dup, _) => {
                let v = self.top(offset, name);
                self.push(v, offset)?;
            }
            (Opcode::Int, Arg::Line(l)) => {
                let v = match &l.bytes[..] {
                    b"00" => Value::Bool(false),
                    b"01" => Value::Bool(true),
                    s => self.parse_int(s, offset, name),
                };
                self.push(v, offset)?;
            }
            (Opcode::Long, Arg::Line(l)) => {
                let s = l.bytes.strip_suffix(b"L").unwrap_or(&l.bytes);
                let v = self.parse_int(s, offset, name);
                self.push(v, offset)?;
            }
            (Opcode::BinInt | Opcode::BinInt1 | Opcode::BinInt2, Arg::Int(i)) => {
                self.push(Value::Int(*i), offset)?
            }
            (Opcode::Long1 | Opcode::Long4, Arg::Data(b)) => {
                let v = if b.len <= 8 && b.is_complete() {
                    Value::Int(le_twos_complement(&b.bytes))
                } else {
                    Value::BigInt
                };
                self.push(v, offset)?;
            }
            (Opcode::String, Arg::Line(l)) => {
                let v = match decode_string_literal(&l.bytes) {
                    Some(bytes) => text_value(latin1(&bytes), l.is_complete()),
                    None => {
                        if l.is_complete() {
                            self.anomaly(offset, "STRING: argument must be quoted");
                        }
                        Value::Unknown
                    }
                };
                self.push(v, offset)?;
            }
            (Opcode::BinString | Opcode::ShortBinString, Arg::Data(b)) => {
                let complete = b.is_complete();
                self.push(text_value(latin1(&b.bytes), complete), offset)?;
            }
            (
                Opcode::BinBytes | Opcode::ShortBinBytes | Opcode::BinBytes8 | Opcode::ByteArray8,
                Arg::Data(b),
            ) => {
                self.push(Value::Bytes(Rc::new(b.clone())), offset)?;
            }
            (Opcode::NextBuffer, _) => self.push(Value::Buffer, offset)?,
            (Opcode::ReadonlyBuffer, _) => {
                let _ = self.top(offset, name);
            }
            (Opcode::None, _) => self.push(Value::None, offset)?,
            (Opcode::NewTrue, _) => self.push(Value::Bool(true), offset)?,
            (Opcode::NewFalse, _) => self.push(Value::Bool(false), offset)?,
            (Opcode::Unicode, Arg::Line(l)) => {
                let v = match decode_raw_unicode_escape(&l.bytes) {
                    Some(s) => text_value(s, l.is_complete()),
                    None => {
                        if l.is_complete() {
                            self.anomaly(offset, "UNICODE: bad \\u escape");
                        }
                        Value::Unknown
                    }
                };
                self.push(v, offset)?;
            }
            (Opcode::BinUnicode | Opcode::ShortBinUnicode | Opcode::BinUnicode8, Arg::Data(b)) => {
                let complete = b.is_complete();
                let s = match std::str::from_utf8(&b.bytes) {
                    Ok(s) => s.to_owned(),
                    Err(_) => {
                        if complete {
                            self.anomaly(offset, format!("{name}: invalid UTF-8"));
                        }
                        String::from_utf8_lossy(&b.bytes).into_owned()
                    }
                };
                self.push(text_value(s, complete), offset)?;
            }
            (Opcode::Float, Arg::Line(l)) => {
                let v = std::str::from_utf8(&l.bytes)
                    .ok()
                    .and_then(|s| s.trim().parse::<f64>().ok())
                    .map_or(Value::Unknown, Value::Float);
                self.push(v, offset)?;
            }
            (Opcode::BinFloat, Arg::Float(f)) => self.push(Value::Float(*f), offset)?,
            (Opcode::EmptyList, _) => {
                let v = self.new_list();
                self.push(v, offset)?;
            }
            (Opcode::EmptyDict, _) => {
                let v = self.new_dict();
                self.push(v, offset)?;
            }
            (Opcode::EmptySet, _) => {
                let v = self.new_set();
                self.push(v, offset)?;
            }
            (Opcode::EmptyTuple, _) => self.push(Value::Tuple(Rc::new(Seq::default())), offset)?,
            (Opcode::Append, _) => {
                let v = self.pop(offset, name);
                let target = self.top(offset, name);
                self.append(&target, vec![v], name, offset);
            }
            (Opcode::Appends, _) => {
                let items = self.pop_mark(offset, name);
                let target = self.top(offset, name);
                self.append(&target, items, name, offset);
            }
            (Opcode::List, _) => {
                let items = self.pop_mark(offset, name);
                let v = self.new_list();
                self.append(&v, items, name, offset);
                self.push(v, offset)?;
            }
            (Opcode::Tuple, _) => {
                let items = self.pop_mark(offset, name);
                let seq = self.seq_from(items);
                self.push(Value::Tuple(Rc::new(seq)), offset)?;
            }
            (Opcode::Tuple1 | Opcode::Tuple2 | Opcode::Tuple3, _) => {
                let n = match op.op {
                    Opcode::Tuple1 => 1,
                    Opcode::Tuple2 => 2,
                    _ => 3,
                };
                let mut items: Vec<Value> = (0..n).map(|_| self.pop(offset, name)).collect();
                items.reverse();
                let seq = self.seq_from(items);
                self.push(Value::Tuple(Rc::new(seq)), offset)?;
            }
            (Opcode::Dict, _) => {
                let items = self.pop_mark(offset, name);
                let v = self.new_dict();
                self.set_items(&v, items, name, offset);
                self.push(v, offset)?;
            }
            (Opcode::SetItem, _) => {
                let value = self.pop(offset, name);
                let key = self.pop(offset, name);
                let target = self.top(offset, name);
                self.set_items(&target, vec![key, value], name, offset);
            }
            (Opcode::SetItems, _) => {
                let items = self.pop_mark(offset, name);
                let target = self.top(offset, name);
                self.set_items(&target, items, name, offset);
            }
            (Opcode::AddItems, _) => {
                let items = self.pop_mark(offset, name);
                let target = self.top(offset, name);
                match &target {
                    Value::Set(s) => {
                        let n = items.len();
                        let keep = self
                            .keep_count(n.min(KEPT_ITEMS.saturating_sub(s.borrow().items.len())));
                        let mut s = s.borrow_mut();
                        s.len += n as u64;
                        s.items.extend(items.into_iter().take(keep));
                    }
                    Value::Unknown => {}
                    other => self.method_on(other, name, offset),
                }
            }
            (Opcode::FrozenSet, _) => {
                let items = self.pop_mark(offset, name);
                let seq = self.seq_from(items);
                self.push(Value::FrozenSet(Rc::new(seq)), offset)?;
            }
            (Opcode::Get | Opcode::BinGet | Opcode::LongBinGet, arg) => {
                let v = match self.memo_key(arg, offset, name) {
                    Some(k) => match self.m.memo.get(k) {
                        Some(v) => v.clone(),
                        None => {
                            self.anomaly(offset, format!("{name}: memo key {k} not defined"));
                            Value::Unknown
                        }
                    },
                    None => Value::Unknown,
                };
                self.push(v, offset)?;
            }
            (Opcode::Put | Opcode::BinPut | Opcode::LongBinPut, arg) => {
                if let Some(k) = self.memo_key(arg, offset, name) {
                    let v = self.top(offset, name);
                    self.memo_put(k, v);
                }
            }
            (Opcode::Memoize, _) => {
                let v = self.top(offset, name);
                let k = self.m.memo.len() as u64 + self.m.memo_dropped;
                self.memo_put(k, v);
            }
            (Opcode::Ext1 | Opcode::Ext2 | Opcode::Ext4, Arg::Int(code)) => {
                self.events.push(Event::Ext {
                    offset,
                    code: *code,
                });
                self.push(Value::Unknown, offset)?;
            }
            (Opcode::Global, Arg::Pair(m, n)) => {
                let v = self.global_from_lines(m, n, Opcode::Global, offset);
                self.push(v, offset)?;
            }
            (Opcode::StackGlobal, _) => {
                let name_v = self.pop(offset, name);
                let module_v = self.pop(offset, name);
                let v = self.stack_global(&module_v, &name_v, offset);
                self.push(v, offset)?;
            }
            (Opcode::Reduce, _) => {
                let args = self.pop(offset, name);
                let callable = self.pop(offset, name);
                let v = self.call(callable, args, name, offset);
                self.push(v, offset)?;
            }
            (Opcode::Build, _) => {
                let state = self.pop(offset, name);
                let target = self.top(offset, name);
                self.method_on(&target, name, offset);
                if let Value::Obj(o) = &target {
                    *o.state.borrow_mut() = Some(state.clone());
                }
                if self.opts.joblib {
                    self.joblib_after_build(&target, &state, offset, lexer)?;
                }
            }
            (Opcode::Inst, Arg::Pair(m, n)) => {
                let items = self.pop_mark(offset, name);
                let cls = self.global_from_lines(m, n, Opcode::Inst, offset);
                let seq = self.seq_from(items);
                let v = self.call(cls, Value::Tuple(Rc::new(seq)), name, offset);
                self.push(v, offset)?;
            }
            (Opcode::Obj, _) => {
                let mut items = self.pop_mark(offset, name);
                let v = if items.is_empty() {
                    self.anomaly(offset, "OBJ: no class after MARK");
                    Value::Unknown
                } else {
                    let cls = items.remove(0);
                    let seq = self.seq_from(items);
                    self.call(cls, Value::Tuple(Rc::new(seq)), name, offset)
                };
                self.push(v, offset)?;
            }
            (Opcode::NewObj, _) => {
                let args = self.pop(offset, name);
                let cls = self.pop(offset, name);
                let v = self.call(cls, args, name, offset);
                self.push(v, offset)?;
            }
            (Opcode::NewObjEx, _) => {
                let kwargs = self.pop(offset, name);
                let args = self.pop(offset, name);
                let cls = self.pop(offset, name);
                let both = Value::Tuple(Rc::new(Seq {
                    items: vec![args, kwargs],
                    len: 2,
                }));
                let v = self.call(cls, both, name, offset);
                self.push(v, offset)?;
            }
            (Opcode::PersId, Arg::Line(l)) => {
                let pid = text_value(latin1(&l.bytes), l.is_complete());
                self.push(Value::Pers(Rc::new(pid)), offset)?;
            }
            (Opcode::BinPersId, _) => {
                let pid = self.pop(offset, name);
                self.push(Value::Pers(Rc::new(pid)), offset)?;
            }
            (opcode, arg) => {
                // The lexer pairs every opcode with its argument kind; this is unreachable for
                // well-formed lexer output but must not panic.
                self.anomaly(
                    offset,
                    format!("{}: unexpected argument {arg:?}", opcode.name()),
                );
            }
        }
        Ok(Flow::Continue)
    }

    fn parse_int(&mut self, s: &[u8], offset: u64, op: &str) -> Value {
        let Ok(text) = std::str::from_utf8(s) else {
            self.anomaly(offset, format!("{op}: not a number"));
            return Value::Unknown;
        };
        let t = text.trim();
        if let Ok(i) = t.parse::<i64>() {
            return Value::Int(i);
        }
        let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
            Value::BigInt
        } else {
            self.anomaly(offset, format!("{op}: not a number"));
            Value::Unknown
        }
    }

    fn memo_key(&mut self, arg: &Arg, offset: u64, op: &str) -> Option<u64> {
        match arg {
            Arg::Int(i) => u64::try_from(*i).ok(),
            Arg::Line(l) => match self.parse_int(&l.bytes, offset, op) {
                Value::Int(i) if i >= 0 => u64::try_from(i).ok(),
                Value::Int(_) => {
                    self.anomaly(offset, format!("{op}: negative memo key"));
                    None
                }
                _ => None,
            },
            _ => None,
        }
    }

    fn memo_put(&mut self, k: u64, v: Value) {
        if self.m.memo.len() >= self.limits.max_memo_entries && !self.m.memo.contains(k) {
            self.m.memo_dropped += 1;
            return;
        }
        self.m
            .memo
            .insert(k, v, self.limits.max_memo_entries.saturating_mul(2));
    }

    fn append(&mut self, target: &Value, items: Vec<Value>, op: &'static str, offset: u64) {
        match target {
            Value::List(l) => {
                let n = items.len();
                let room = KEPT_ITEMS.saturating_sub(l.borrow().items.len());
                let keep = self.keep_count(n.min(room));
                let mut l = l.borrow_mut();
                l.len += n as u64;
                l.items.extend(items.into_iter().take(keep));
            }
            Value::Unknown => {}
            Value::Obj(_) | Value::Global(_) | Value::Pers(_) => self.method_on(target, op, offset),
            _ => self.anomaly(offset, format!("{op}: target is not a list")),
        }
    }

    fn set_items(&mut self, target: &Value, items: Vec<Value>, op: &'static str, offset: u64) {
        if !items.len().is_multiple_of(2) {
            self.anomaly(offset, format!("{op}: odd number of items"));
        }
        match target {
            Value::Dict(d) => {
                let pairs = items.len() / 2;
                let room = KEPT_ITEMS.saturating_sub(d.borrow().items.len());
                let keep = self.keep_count(pairs.min(room));
                let mut d = d.borrow_mut();
                d.len += pairs as u64;
                let mut it = items.into_iter();
                for _ in 0..keep {
                    if let (Some(k), Some(v)) = (it.next(), it.next()) {
                        d.items.push((k, v));
                    }
                }
            }
            Value::Unknown => {}
            Value::Obj(_) | Value::Global(_) | Value::Pers(_) => self.method_on(target, op, offset),
            _ => self.anomaly(offset, format!("{op}: target is not a dict")),
        }
    }

    fn global_from_lines(&mut self, m: &Blob, n: &Blob, opcode: Opcode, offset: u64) -> Value {
        let module = String::from_utf8_lossy(&m.bytes).into_owned();
        let name = String::from_utf8_lossy(&n.bytes).into_owned();
        if !m.is_complete() || !n.is_complete() {
            self.events.push(Event::Dynamic {
                offset,
                detail: format!(
                    "{} names longer than {NAME_LINE_CAP} bytes (module {} bytes, name {} bytes)",
                    opcode.name(),
                    m.len,
                    n.len
                ),
            });
        }
        Value::Global(self.import(module, name, opcode, offset))
    }

    fn stack_global(&mut self, module: &Value, name: &Value, offset: u64) -> Value {
        match (module, name) {
            (Value::Str(m), Value::Str(n)) if m.complete && n.complete => {
                Value::Global(self.import(m.s.clone(), n.s.clone(), Opcode::StackGlobal, offset))
            }
            (Value::Str(_), Value::Str(_)) => {
                self.events.push(Event::Dynamic {
                    offset,
                    detail: "STACK_GLOBAL with a module or name too long to keep".to_string(),
                });
                Value::Unknown
            }
            _ if is_constant(module) && is_constant(name) => {
                // Python raises "STACK_GLOBAL requires str": nothing is imported.
                self.anomaly(offset, "STACK_GLOBAL: module and name must be str");
                Value::Unknown
            }
            _ => {
                let detail = format!(
                    "STACK_GLOBAL module {} name {} are computed at load time",
                    self.describe_callee(module),
                    self.describe_callee(name)
                );
                self.events.push(Event::Dynamic { offset, detail });
                Value::Unknown
            }
        }
    }

    /// joblib writes raw array bytes right after the BUILD of a `NumpyArrayWrapper`; its
    /// unpickler reads them there. Skip them (or walk the nested pickle of an object array).
    fn joblib_after_build<R: Read>(
        &mut self,
        target: &Value,
        state: &Value,
        offset: u64,
        lexer: Option<&mut Lexer<R>>,
    ) -> Result<(), PickleError> {
        let Value::Obj(o) = target else { return Ok(()) };
        let Origin::Import(i) = o.origin else {
            return Ok(());
        };
        let Some(st) = self.imports.get(i) else {
            return Ok(());
        };
        let is_wrapper = st.name == "NumpyArrayWrapper"
            && (st.module == "joblib.numpy_pickle" || st.module.ends_with(".joblib.numpy_pickle"));
        if !is_wrapper {
            return Ok(());
        }
        let Some(lexer) = lexer else {
            // The lockstep machine: the primary one consumes the array data.
            if let Some(top) = self.m.stack.last_mut() {
                *top = Value::Unknown;
            }
            return Ok(());
        };
        self.joblib_arrays += 1;
        let bad = |reason: &str| PickleError::BadArgument {
            offset,
            opcode: "BUILD",
            reason: format!("joblib NumpyArrayWrapper state: {reason}"),
        };
        if !state.is_dict() {
            return Err(bad("state is not a dict"));
        }
        let dtype = state.dict_get("dtype").ok_or_else(|| bad("no dtype"))?;
        let info = dtype_info(&dtype, self).ok_or_else(|| bad("dtype not understood"))?;
        if info.has_object {
            // The array follows as a complete nested pickle.
            if self.nesting >= self.limits.max_nesting {
                return Err(PickleError::Limit {
                    what: "nesting",
                    limit: u64::from(self.limits.max_nesting),
                    offset,
                });
            }
            // joblib reads it with a fresh Unpickler: its own stack, marks and memo.
            let saved = std::mem::take(&mut self.m);
            let saved_alt = self.alt.take();
            let saved_pickles = self.pickles;
            self.pickles = 0;
            self.nesting += 1;
            let result = self.run_one(lexer);
            self.nesting -= 1;
            self.pickles = saved_pickles;
            self.m = saved;
            self.alt = saved_alt;
            result?;
        } else {
            let shape = state.dict_get("shape").ok_or_else(|| bad("no shape"))?;
            let (dims, complete) = shape
                .seq_items()
                .ok_or_else(|| bad("shape is not a tuple"))?;
            if !complete {
                return Err(bad("shape has too many dimensions"));
            }
            let mut count: u64 = 1;
            for d in dims {
                let d = d
                    .as_int()
                    .and_then(|d| u64::try_from(d).ok())
                    .ok_or_else(|| bad("bad dimension"))?;
                count = count
                    .checked_mul(d)
                    .ok_or_else(|| bad("array size overflows"))?;
            }
            let size = count
                .checked_mul(info.itemsize)
                .ok_or_else(|| bad("array size overflows"))?;
            let aligned = state
                .dict_get("numpy_array_alignment_bytes")
                .is_some_and(|v| !matches!(v, Value::None));
            // `pickle.load` (not joblib) would read this region as opcodes: keep its start
            // and check that reading too.
            let region_start = lexer.pos();
            let mut head = Vec::new();
            if aligned {
                let pad = lexer.read_u8("joblib array padding length")?;
                head.push(pad);
                let padding =
                    lexer.read_counted(u64::from(pad), SHADOW_BYTES, "joblib array padding")?;
                head.extend_from_slice(&padding.bytes);
            }
            let keep = SHADOW_BYTES.saturating_sub(head.len());
            let data = lexer.read_counted(size, keep, "joblib array data")?;
            head.extend_from_slice(&data.bytes);
            self.shadow_walk(&head, region_start);
        }
        // The unpickler replaces the wrapper with the array.
        if let Some(top) = self.m.stack.last_mut() {
            *top = Value::Unknown;
        }
        Ok(())
    }

    /// Walks the start of a joblib array region as plain `pickle.load` would, on a copy of
    /// the machine, stopping at the first problem Python would raise on. Imports it reaches are
    /// recorded (and judged) like any other, plus a finding about the loader differential.
    fn shadow_walk(&mut self, bytes: &[u8], region_start: u64) {
        if self.m.memo.len() > SHADOW_MAX_MEMO {
            return;
        }
        let mut machine = self.m.clone();
        std::mem::swap(&mut self.m, &mut machine);
        let saved_alt = self.alt.take();
        let calls_before: Vec<u64> = self.imports.iter().map(|i| i.calls).collect();
        let count_before = self.imports.len();
        let events_before = self.events.len();
        let nested_before = self.nested.len();
        self.quiet = true;
        let anomalies_before = self.quiet_anomalies;
        let mut lexer = Lexer::new(bytes, bytes.len() as u64);
        let mut reached = None;
        for _ in 0..SHADOW_BYTES {
            let Ok(Some(mut op)) = lexer.next_op(SHORT_CONST) else {
                break;
            };
            op.pos += region_start;
            let is_import = matches!(op.op, Opcode::Global | Opcode::StackGlobal | Opcode::Inst);
            match self.step(&op, None::<&mut Lexer<&[u8]>>) {
                Ok(Flow::Continue) if self.quiet_anomalies == anomalies_before => {}
                _ => break,
            }
            if is_import && reached.is_none() {
                reached = Some(op.pos);
            }
        }
        self.quiet = false;
        std::mem::swap(&mut self.m, &mut machine);
        self.alt = saved_alt;
        match reached {
            Some(offset) => self.events.push(Event::JoblibDifferential { offset }),
            None => {
                // Nothing imported: forget what the shadow reading recorded.
                self.imports.truncate(count_before);
                self.import_index.retain(|_, i| *i < count_before);
                for (st, calls) in self.imports.iter_mut().zip(calls_before) {
                    st.calls = calls;
                }
                self.events.truncate(events_before);
                self.nested.truncate(nested_before);
            }
        }
    }

    // ----- results -----------------------------------------------------------------------

    fn finish(mut self, outcome: Result<(), PickleError>, bytes: u64) -> PickleScan {
        let mut findings = Vec::new();
        let mut imports = Vec::new();
        for st in &self.imports {
            let callable = st.callable();
            imports.push(ImportRef {
                module: st.module.clone(),
                name: st.name.clone(),
                inner_path: None,
                safety: st.judgement.safety(),
                opcode: st.opcode.name(),
                offset: st.offset,
                calls: st.calls,
            });
            let Some(severity) = st.judgement.severity() else {
                continue;
            };
            let (kind, title) = match st.judgement {
                Judgement::Dangerous(_) => (
                    FindingKind::DangerousImport,
                    format!("Dangerous import {callable}"),
                ),
                _ => (
                    FindingKind::SuspiciousImport,
                    format!("Suspicious import {callable}"),
                ),
            };
            let mut detail = format!(
                "{}; imported by {} at offset {}",
                st.judgement.reason(),
                st.opcode.name(),
                st.offset
            );
            if st.calls > 0 {
                detail.push_str(&format!(
                    "; called {}× via {}",
                    st.calls,
                    st.call_ops.join("/")
                ));
            } else {
                detail.push_str("; referenced, not called directly");
            }
            if let Some(args) = &st.first_args {
                detail.push_str(&format!("; first call arguments {args}"));
            }
            findings.push(Finding {
                severity,
                kind,
                title,
                callable: Some(callable),
                inner_path: None,
                offset: Some(st.offset),
                detail: Some(detail),
            });
        }
        for ev in &self.events {
            findings.push(match ev {
                Event::Dynamic { offset, detail } => Finding::new(
                    Severity::Critical,
                    FindingKind::DynamicImport,
                    "Import whose module or name cannot be determined statically",
                )
                .at(*offset)
                .with_detail(detail.clone()),
                Event::Indirect { offset, op, callee } => Finding::new(
                    Severity::High,
                    FindingKind::IndirectCall,
                    format!("{op} calls {callee}, not an imported callable"),
                )
                .at(*offset),
                Event::GlobalMutation { offset, op, import } => {
                    let callable = self.import_name(*import);
                    let mut f = Finding::new(
                        Severity::High,
                        FindingKind::GlobalMutation,
                        format!("{op} modifies the imported object {callable} itself"),
                    )
                    .at(*offset);
                    f.callable = Some(callable);
                    f
                }
                Event::JoblibDifferential { offset } => Finding::new(
                    Severity::High,
                    FindingKind::LoaderDifferential,
                    "joblib array data is also a pickle payload for pickle.load",
                )
                .at(*offset)
                .with_detail(
                    "joblib skips these bytes as array data; plain pickle.load executes them",
                ),
                Event::Ext { offset, code } => Finding::new(
                    Severity::Medium,
                    FindingKind::ExtensionImport,
                    format!("Import through the copyreg extension registry (code {code})"),
                )
                .at(*offset),
            });
        }
        if let Some((offset, what)) = &self.first_anomaly {
            findings.push(
                Finding::new(
                    Severity::Medium,
                    FindingKind::Malformed,
                    format!("Malformed pickle: {what}"),
                )
                .at(*offset)
                .with_detail(format!(
                    "{} problem(s) Python's unpickler would reject",
                    self.anomalies
                )),
            );
        }
        if self.m.memo_dropped > 0 {
            findings.push(
                Finding::new(
                    Severity::Medium,
                    FindingKind::LimitReached,
                    "Memo bound reached; names may be unresolved",
                )
                .with_detail(format!(
                    "{} memo entries beyond max_memo_entries={} were not kept",
                    self.m.memo_dropped, self.limits.max_memo_entries
                )),
            );
        }
        if let Some(offset) = self.trailing {
            findings.push(
                Finding::new(
                    Severity::Low,
                    FindingKind::TrailingData,
                    "Data after the last pickle",
                )
                .at(offset)
                .with_detail(format!(
                    "{} bytes that do not start a pickle",
                    bytes.saturating_sub(offset)
                )),
            );
        }
        let complete = outcome.is_ok();
        if let Err(e) = &outcome {
            let (kind, title) = if e.is_limit() {
                (
                    FindingKind::LimitReached,
                    format!("Scan stopped at a bound: {e}"),
                )
            } else {
                (FindingKind::Unparseable, format!("Unparseable pickle: {e}"))
            };
            findings.push(Finding::new(Severity::Medium, kind, title).at(e.offset()));
        }
        findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.offset.cmp(&b.offset)));
        // The lockstep machine can repeat an event of the primary one.
        let mut seen = std::collections::HashSet::new();
        findings.retain(|f| seen.insert((f.kind, f.offset, f.title.clone())));
        let mut seen_payloads = std::collections::HashSet::new();
        self.nested.retain(|p| seen_payloads.insert(p.offset));
        PickleScan {
            findings,
            imports,
            pickles: self.pickles,
            opcodes: self.ops,
            bytes,
            protocol: self.proto,
            complete,
            joblib_arrays: self.joblib_arrays,
            nested: std::mem::take(&mut self.nested),
        }
    }
}

fn is_constant(v: &Value) -> bool {
    matches!(
        v,
        Value::None
            | Value::Bool(_)
            | Value::Int(_)
            | Value::BigInt
            | Value::Float(_)
            | Value::Str(_)
            | Value::Bytes(_)
            | Value::Tuple(_)
            | Value::List(_)
            | Value::Dict(_)
            | Value::Set(_)
            | Value::FrozenSet(_)
    )
}

fn text_value(s: String, complete: bool) -> Value {
    Value::Str(Rc::new(Text { s, complete }))
}

fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| char::from(c)).collect()
}

fn le_twos_complement(b: &[u8]) -> i64 {
    if b.is_empty() {
        return 0;
    }
    let mut buf = if b[b.len() - 1] & 0x80 != 0 {
        [0xffu8; 8]
    } else {
        [0u8; 8]
    };
    buf[..b.len()].copy_from_slice(b);
    i64::from_le_bytes(buf)
}

struct DtypeInfo {
    itemsize: u64,
    has_object: bool,
}

/// Reads a pickled `numpy.dtype(descr, align, copy)` (+ BUILD state) for joblib arrays.
fn dtype_info(v: &Value, w: &Walker<'_>) -> Option<DtypeInfo> {
    let Value::Obj(o) = v else { return None };
    let Origin::Import(i) = o.origin else {
        return None;
    };
    let st = w.imports.get(i)?;
    if st.name != "dtype" || !(st.module == "numpy" || st.module.starts_with("numpy.")) {
        return None;
    }
    let (args, _) = o.args.seq_items()?;
    let descr = args.first()?.as_str()?.s.clone();
    let state = o.state.borrow().clone();
    let state_items = state.as_ref().and_then(Value::seq_items).map(|(s, _)| s);
    let elsize = state_items
        .as_ref()
        .and_then(|s| s.get(5))
        .and_then(Value::as_int)
        .filter(|&e| e > 0);
    let fields_have_object = state_items
        .as_ref()
        .and_then(|s| s.get(4))
        .is_some_and(|fields| {
            // fields: {name: (dtype, offset[, title])}
            match fields {
                Value::Dict(d) => d.borrow().items.iter().any(|(_, f)| {
                    f.seq_items()
                        .and_then(|(t, _)| t.first().cloned())
                        .and_then(|dt| dtype_info(&dt, w))
                        .is_none_or(|info| info.has_object)
                }),
                _ => false,
            }
        });
    let body = descr.trim_start_matches(['<', '>', '|', '=']);
    let mut chars = body.chars();
    let kind = chars.next()?;
    let digits: String = chars.take_while(char::is_ascii_digit).collect();
    let n: u64 = digits.parse().unwrap_or(0);
    let has_object = kind == 'O' || fields_have_object;
    let itemsize = match elsize {
        Some(e) => u64::try_from(e).ok()?,
        None if kind == 'U' => n.checked_mul(4)?,
        None if n > 0 => n,
        None if kind == 'O' => 8,
        None => return None,
    };
    Some(DtypeInfo {
        itemsize,
        has_object,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(data: &[u8]) -> PickleScan {
        scan_pickle_with(data, &Limits::default())
    }

    #[test]
    fn ml_app_model_pkl_is_os_system() {
        let data = b"\x80\x02cos\nsystem\nq\x00X\x2f\x00\x00\x00echo FAKE-PAYLOAD scanner-fixture model.pkl ranq\x01\x85q\x02Rq\x03.";
        let s = scan(data);
        assert!(s.complete);
        assert_eq!(s.verdict(), Verdict::Dangerous);
        let f = &s.findings[0];
        assert_eq!(f.severity, Severity::Critical);
        assert_eq!(f.callable.as_deref(), Some("os.system"));
        assert!(
            f.detail.as_deref().unwrap_or("").contains("REDUCE"),
            "{f:?}"
        );
        assert_eq!(s.imports[0].calls, 1);
    }

    #[test]
    fn ml_app_vocab_pkl_is_safe() {
        let data =
            b"\x80\x02}q\x00(X\x03\x00\x00\x00<s>q\x01K\x00X\x04\x00\x00\x00</s>q\x02K\x01u.";
        let s = scan(data);
        assert!(s.complete);
        assert!(s.findings.is_empty(), "{:?}", s.findings);
        assert_eq!(s.verdict(), Verdict::Safe);
    }

    #[test]
    fn stack_global_through_memo() {
        // "os" and "system" memoized, the stack emptied, then fetched back with BINGET.
        let data = b"\x80\x04\x8c\x02os\x94\x8c\x06system\x94(00h\x00h\x01\x93\x8c\x02id\x85R.";
        let s = scan(data);
        assert_eq!(
            s.findings[0].callable.as_deref(),
            Some("os.system"),
            "{:?}",
            s.findings
        );
        assert_eq!(s.findings[0].severity, Severity::Critical);
    }

    #[test]
    fn computed_stack_global_is_critical() {
        // module comes from a call result
        let data = b"\x80\x04c__builtin__\nstr\n)R\x8c\x06system\x93.";
        let s = scan(data);
        assert!(
            s.findings
                .iter()
                .any(|f| f.kind == FindingKind::DynamicImport && f.severity == Severity::Critical)
        );
    }
}
