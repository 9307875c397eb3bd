//! Mutation fuzzing of both macros.
//!
//! Valid inputs are mutated token by token (delete, duplicate, swap with the
//! neighbour, replace with a token from a pool), inside groups too, and each
//! mutant is run through the macro inside `catch_unwind`. The properties:
//! nothing panics, and every error is spanned on the input's own tokens.
//!
//! Spans are checked for real: the mutant is printed and lexed again with
//! `TokenStream::from_str`, so with proc-macro2's `span-locations` (a
//! dev-dependency feature) every token knows its line and column, and each
//! lexed string is its own source file. A span lies in the input when it
//! joins with the input's span (same file) and its line/column range is
//! inside the input's.
//!
//! A failure prints the case's seed and input. Replay one case with
//! `TASKGROUP_FUZZ_SEED=0x… cargo test -p taskgroup-macros fuzz`.

use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::str::FromStr;

use proc_macro2::{Delimiter, Group, LineColumn, Span, TokenStream, TokenTree};

/// Cases per macro; both tests together run 20,000.
const CASES: u64 = 10_000;

/// Valid `taskgroup!` inputs, one of each form, with the forwarded crate path.
const GROUPS: &[&str] = &[
    "(::taskgroup) let a = fetch(1)?; let b = fetch(2)?; (a, b)",
    "(::taskgroup) timeout = Duration::from_secs(1); let a = f()?; let b = g(&a); (a, b)",
    "(::taskgroup) limit = 4; let v = for x in 0..10 { fetch(x)? }; v",
    "(::taskgroup) error = MyError; let a = f()?; a",
    "(::taskgroup) name = \"loader\"; let a = f(); a",
    "(::taskgroup) mode = supervise; let a = f()?; let b = g()?; (a, b)",
    "(::taskgroup) mode = race; let a = f()?; let b = g()?;",
    "(::taskgroup) #[spawn] let a = f()?; let b = g(); (a, b)",
    "(::taskgroup) #[spawn] let v = for u in urls { let x = u.clone(); fetch(x)? }; v",
    "(::taskgroup) let a = f()?; a except* MyError::Timeout => 0, except* _ => 1,",
    "(::taskgroup) let a = f()?; a except* MyError::Io(e) as err if err.len() > 0 => { log(err); 0 } \
     except* _ => 1",
    "(::taskgroup) let a = f()?; a except* type std::io::Error as e => 0, except* _ as _ => 1,",
    "(::taskgroup) let (a, b): (u8, u8) = pair()?; let c = h(a, b)?; c",
    "(::taskgroup) timeout = Duration::from_millis(50); limit = 2; name = \"all\"; mode = fail_fast; \
     let a = f()?; #[spawn] let b = g(a)?; let c = for i in 0..3 { step(i, b)? }; (a, c) \
     except* TimedOut => 0,",
    "(::taskgroup) error = AppError; let x = f(); let y = g(x)?; y \
     except* AppError::NotFound | AppError::Gone => None, except* e if retry(e) => Some(0),",
    "(::taskgroup) let mut a = f()?; let b = g(); a + b",
    "(::taskgroup) mode = supervise; timeout = d; let a = f()?; a except* _ => 0",
    "(::taskgroup) let a = f()?; except* E::Gone => return Ok(\"returned\"),",
    "(my::renamed::tg) let a = f(); #[spawn] let b = for (i, x) in xs.iter().enumerate() { g(i, *x) }; \
     (a, b)",
];

/// Valid `#[concurrent]` inputs: the attribute's arguments and the item.
const FNS: &[(&str, &str)] = &[
    (
        "",
        "async fn f() -> Result<u8, E> { let a = x().await?; let b = y().await?; Ok(a + b) }",
    ),
    (
        "timeout = Duration::from_secs(5)",
        "async fn f() -> Result<u8, Error> { let a = x().await?; let b = y(&a).await?; Ok(b) }",
    ),
    (
        "limit = 4",
        "async fn f(ids: Vec<u32>) -> u32 { let a = x(1).await; let b = x(2).await; a + b }",
    ),
    (
        "crate = \"my_crate::taskgroup\"",
        "async fn f() { let a = x().await; let b = y().await; g(a, b); }",
    ),
    (
        "",
        "async fn get(&self, id: u32) -> Option<u8> { let a = self.x(id).await; \
         let b = self.y(id).await; Some(a? + b?) }",
    ),
    (
        "",
        "async fn set(&mut self) { let a = self.x().await; let b = self.y().await; self.z(a, b); }",
    ),
    (
        "",
        "async fn g<T: Clone, U>(t: T, u: U) -> Result<T, E> where U: Send + 'static { \
         let a = x(&u).await?; let b = y().await?; Ok(t) }",
    ),
    (
        "",
        "async fn f() -> Result<u8, E> { let a = x().await?; if a == 0 { return Ok(0); } \
         let b = y().await?; Ok(b) }",
    ),
    (
        "",
        "async fn f(c: bool) -> Result<u8, E> { let a = if c { return Err(E) } else { x().await? }; \
         let b = match y().await { Ok(v) => v, Err(e) => return Err(e) }; Ok(a + b) }",
    ),
    (
        "",
        "async fn f() -> u8 { let (a, b): (u8, u8) = pair().await; \
         let Point { x, y } = point().await; a + b + x + y }",
    ),
    (
        "",
        "async fn f() { let a = x().await; log(); let c = z().await; let d = w().await; \
         drop((a, c, d)); }",
    ),
    (
        "timeout = Duration::from_millis(100), limit = 2",
        "async fn f() -> Result<(), Error> { let a = x().await?; let b = y().await?; \
         let c = z(a, b).await?; Ok(()) }",
    ),
    (
        "timeout = d, limit = n, crate = \"::taskgroup\"",
        "pub async fn f(x: &str) -> Result<String, ErrorGroup<E>> { let a = x.fetch().await?; \
         let b = other().await?; Ok(a + &b) }",
    ),
    (
        "",
        "async fn f() -> Vec<u8> { let mut v = Vec::new(); let a = x().await; v.push(a); \
         let b = y().await; v.push(b); v }",
    ),
    (
        "",
        "#[inline] pub(crate) async fn f<'a>(s: &'a str) -> &'a str where 'a: 'static { \
         let a = x(s).await; let b = y(s).await; if a { b } else { s } }",
    ),
    (
        "limit = 8",
        "async fn f() -> Result<u8, E> { let a: u8 = x().await?; let b: u8 = y().await?; \
         let c = async { 1 }.await; Ok(a + b + c) }",
    ),
    (
        "",
        "async fn f(self: Arc<Self>) -> u8 { let a = self.x().await; let b = self.y().await; \
         let _ = z().await; a + b }",
    ),
    (
        "",
        "async fn f(mut n: u8) -> Result<u8, E> { n += 1; let a = x(n).await?; \
         let b = y(n).await?; return Ok(a + b); }",
    ),
];

/// What a token may be replaced with.
const POOL: &[&str] = &[
    ";", "?", "let", "=", ",", "=>", "except", "*", "#", "[spawn]", "for", "in", ".await", "x",
    "a", "self", "_", "0", "\"s\"", "1.5", "()", "[]", "{}", "async", "fn", "type", "as", "if",
    "return", "crate", "mut", "&", ":", "::", "'a",
];

/// A case's result: accepted or rejected as it should be (`true` when
/// accepted), or the broken properties.
type Outcome = Result<bool, Vec<String>>;

/// Builds one case from the seeded rng (logging its edits) and runs it;
/// `None` when the mutant does not lex.
type MakeAndRun = dyn Fn(&mut Rng, &[Vec<Node>], &mut String) -> Option<Outcome>;

/// xorshift64*: small, seeded, the same sequence everywhere.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        // splitmix64 so that neighbouring seeds give unrelated streams.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n.max(1) as u64)).unwrap_or(0)
    }
}

/// A token tree whose groups can be edited in place.
#[derive(Clone)]
enum Node {
    Leaf(TokenTree),
    Group(Delimiter, Vec<Node>),
}

fn nodes(tokens: TokenStream) -> Vec<Node> {
    tokens
        .into_iter()
        .map(|tt| match tt {
            TokenTree::Group(g) => Node::Group(g.delimiter(), nodes(g.stream())),
            other => Node::Leaf(other),
        })
        .collect()
}

fn render(nodes: &[Node]) -> TokenStream {
    nodes
        .iter()
        .map(|n| match n {
            Node::Leaf(tt) => tt.clone(),
            Node::Group(d, inner) => TokenTree::Group(Group::new(*d, render(inner))),
        })
        .collect()
}

fn count(nodes: &[Node]) -> usize {
    nodes
        .iter()
        .map(|n| match n {
            Node::Leaf(_) => 1,
            Node::Group(_, inner) => 1 + count(inner),
        })
        .sum()
}

/// Finds the `target`-th node in depth-first order and hands its list and
/// index to `edit`.
fn at(
    nodes: &mut Vec<Node>,
    target: &mut usize,
    edit: &mut dyn FnMut(&mut Vec<Node>, usize),
) -> bool {
    for i in 0..nodes.len() {
        if *target == 0 {
            edit(nodes, i);
            return true;
        }
        *target -= 1;
        if let Some(Node::Group(_, inner)) = nodes.get_mut(i)
            && at(inner, target, edit)
        {
            return true;
        }
    }
    false
}

/// One mutation at a random node; an empty stream only grows.
fn mutate(tokens: &mut Vec<Node>, pool: &[Vec<Node>], rng: &mut Rng, log: &mut String) {
    let total = count(tokens);
    if total == 0 {
        let add = pool[rng.below(pool.len())].clone();
        let _ = write!(log, " insert `{}`;", render(&add));
        tokens.extend(add);
        return;
    }
    let mut target = rng.below(total);
    let op = rng.below(4);
    let replacement = pool[rng.below(pool.len())].clone();
    at(tokens, &mut target, &mut |list, i| {
        let shown = render(&list[i..=i]).to_string();
        match op {
            0 => {
                let _ = write!(log, " delete `{shown}`;");
                list.remove(i);
            }
            1 => {
                let _ = write!(log, " duplicate `{shown}`;");
                list.insert(i, list[i].clone());
            }
            2 if list.len() > 1 => {
                let j = if i + 1 < list.len() { i + 1 } else { i - 1 };
                let _ = write!(log, " swap `{shown}` with its neighbour;");
                list.swap(i, j);
            }
            _ => {
                let _ = write!(log, " replace `{shown}` with `{}`;", render(&replacement));
                list.splice(i..=i, replacement.clone());
            }
        }
    });
}

fn lex(src: &str) -> Option<TokenStream> {
    TokenStream::from_str(src).ok()
}

/// The span of a whole lexed input (its first and last token joined).
fn extent(tokens: &TokenStream) -> Option<Span> {
    let mut iter = tokens.clone().into_iter();
    let first = iter.next()?.span();
    let last = iter.last().map_or(first, |t| t.span());
    first.join(last)
}

fn lc(l: LineColumn) -> (usize, usize) {
    (l.line, l.column)
}

fn inside(outer: Option<Span>, span: Span) -> bool {
    outer.is_some_and(|o| {
        o.join(span).is_some()
            && lc(span.start()) >= lc(o.start())
            && lc(span.end()) <= lc(o.end())
            && lc(span.start()) <= lc(span.end())
    })
}

fn is_call_site(span: Span) -> bool {
    format!("{span:?}") == format!("{:?}", Span::call_site())
}

/// The one error about the input as a whole, which has nothing narrower to
/// point at: it goes on the invocation (tests/ui/fail/empty_group.rs).
fn may_point_at_invocation(message: &str) -> bool {
    message.starts_with("a task group needs at least one branch")
}

/// Every `compile_error!` in `tokens`: its message, and the spans syn gave
/// it (the path and `!` carry the error's start, the braces its end).
fn compile_errors(tokens: TokenStream, out: &mut Vec<(String, Vec<Span>)>) {
    let list: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, tt) in list.iter().enumerate() {
        match tt {
            TokenTree::Ident(id) if id == "compile_error" => {
                let mut spans = vec![id.span()];
                let mut message = String::from("?");
                if let Some(TokenTree::Group(g)) = list.get(i + 2) {
                    spans.push(g.span());
                    if let Ok(lit) = syn::parse2::<syn::LitStr>(g.stream()) {
                        message = lit.value();
                    }
                }
                out.push((message, spans));
            }
            TokenTree::Group(g) => compile_errors(g.stream(), out),
            _ => {}
        }
    }
}

/// The problems of one output's errors, given where the input lies.
fn misplaced(errors: TokenStream, inputs: &[Option<Span>]) -> Vec<String> {
    let mut found = Vec::new();
    compile_errors(errors, &mut found);
    let mut problems = Vec::new();
    for (message, spans) in found {
        for span in spans {
            let ok = inputs.iter().any(|&o| inside(o, span))
                || (is_call_site(span) && may_point_at_invocation(&message));
            if !ok {
                problems.push(format!(
                    "error `{message}` is spanned at {:?}..{:?} ({span:?}), outside the input",
                    span.start(),
                    span.end()
                ));
            }
        }
    }
    problems
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a non-string panic".to_owned())
}

/// The seeds to run: every case, or the one named by `TASKGROUP_FUZZ_SEED`.
fn seeds(salt: u64) -> Vec<u64> {
    if let Ok(seed) = std::env::var("TASKGROUP_FUZZ_SEED") {
        let seed = seed.trim();
        let parsed = match seed.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16),
            None => seed.parse(),
        };
        return vec![parsed.expect("TASKGROUP_FUZZ_SEED is a number (decimal or 0x hex)")];
    }
    (0..CASES).map(|i| Rng::new(salt ^ i).next()).collect()
}

fn pool() -> Vec<Vec<Node>> {
    POOL.iter()
        .map(|s| nodes(lex(s).expect("the pool lexes")))
        .chain([
            vec![Node::Group(Delimiter::Parenthesis, Vec::new())],
            vec![Node::Group(Delimiter::Bracket, Vec::new())],
            vec![Node::Group(Delimiter::Brace, Vec::new())],
        ])
        .collect()
}

/// Mutates `src` by the seed's 1–3 edits; `None` if the result no longer
/// lexes (it can split a lifetime from its ident, say).
fn mutant(src: &str, rng: &mut Rng, pool: &[Vec<Node>], log: &mut String) -> Option<String> {
    let mut tokens = nodes(lex(src).expect("the corpus lexes"));
    for _ in 0..1 + rng.below(3) {
        mutate(&mut tokens, pool, rng, log);
    }
    let text = render(&tokens).to_string();
    lex(&text).map(|_| text)
}

/// Runs `taskgroup!`'s pipeline; `Err` describes a broken property.
fn run_group(src: &str) -> Outcome {
    let tokens = lex(src).ok_or_else(|| vec!["the input does not lex".to_owned()])?;
    let whole = extent(&tokens);
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        match syn::parse2::<crate::group::parse::Input>(tokens)
            .and_then(crate::group::validate::validate)
        {
            Ok(group) => {
                let _ = crate::group::expand::expand(&group);
                None
            }
            Err(err) => {
                let _ = crate::group::expand::fallback(err.clone());
                Some(err.to_compile_error())
            }
        }
    }));
    match outcome {
        Err(payload) => Err(vec![format!("panicked: {}", panic_message(&*payload))]),
        Ok(None) => Ok(true),
        Ok(Some(errors)) => {
            let problems = misplaced(errors, &[whole]);
            if problems.is_empty() {
                Ok(false)
            } else {
                Err(problems)
            }
        }
    }
}

/// Runs `#[concurrent]`; `Err` describes a broken property.
fn run_concurrent(attr: &str, item: &str) -> Outcome {
    let attr = lex(attr).ok_or_else(|| vec!["the attribute does not lex".to_owned()])?;
    let item = lex(item).ok_or_else(|| vec!["the item does not lex".to_owned()])?;
    let spans = [extent(&attr), extent(&item)];
    // A rejection the output must report: not an async fn.
    let must_fail =
        syn::parse2::<syn::ItemFn>(item.clone()).map_or(true, |f| f.sig.asyncness.is_none());
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        crate::concurrent::concurrent(attr, item)
    }));
    let output =
        outcome.map_err(|payload| vec![format!("panicked: {}", panic_message(&*payload))])?;
    let mut found = Vec::new();
    compile_errors(output.clone(), &mut found);
    if must_fail && found.is_empty() {
        return Err(vec!["rejected input without a compile_error!".to_owned()]);
    }
    let problems = misplaced(output, &spans);
    if problems.is_empty() {
        Ok(found.is_empty())
    } else {
        Err(problems)
    }
}

#[test]
fn corpus_is_valid() {
    assert!(GROUPS.len() >= 15 && FNS.len() >= 15);
    for src in GROUPS {
        let tokens = lex(src).expect("lexes");
        let parsed = syn::parse2::<crate::group::parse::Input>(tokens)
            .and_then(crate::group::validate::validate);
        assert!(
            parsed.is_ok(),
            "corpus entry rejected: {src}: {:?}",
            parsed.err().map(|e| e.to_string())
        );
    }
    for (attr, item) in FNS {
        assert_eq!(
            run_concurrent(attr, item),
            Ok(true),
            "corpus entry rejected: #[concurrent({attr})] {item}"
        );
    }
}

fn fuzz(name: &str, salt: u64, run: &MakeAndRun) {
    let pool = pool();
    let mut failures = Vec::new();
    let (mut cases, mut accepted) = (0, 0);
    for seed in seeds(salt) {
        let mut rng = Rng::new(seed);
        let mut log = String::new();
        match run(&mut rng, &pool, &mut log) {
            None => {}
            Some(Ok(ok)) => {
                cases += 1;
                accepted += usize::from(ok);
            }
            Some(Err(problems)) => {
                cases += 1;
                failures.push(format!(
                    "{name} seed={seed:#x}\n{log}\n  {}",
                    problems.join("\n  ")
                ));
            }
        }
    }
    eprintln!(
        "{name}: {cases} cases, {accepted} accepted, {} failures",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} failing cases:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn taskgroup_survives_mutations() {
    fuzz("taskgroup!", 0x7A5C_6209, &|rng, pool, log| {
        let src = GROUPS[rng.below(GROUPS.len())];
        let _ = write!(log, "  from: {src}\n  edits:");
        let text = mutant(src, rng, pool, log)?;
        let _ = write!(log, "\n  input: {text}");
        Some(run_group(&text))
    });
}

#[test]
fn concurrent_survives_mutations() {
    fuzz("#[concurrent]", 0xC0C0_2026, &|rng, pool, log| {
        let (attr, item) = FNS[rng.below(FNS.len())];
        let _ = write!(log, "  from: #[concurrent({attr})] {item}\n  edits:");
        // A quarter of the cases edit the arguments, the rest the fn.
        let (attr, item) = if rng.below(4) == 0 && !attr.is_empty() {
            (mutant(attr, rng, pool, log)?, item.to_owned())
        } else {
            (attr.to_owned(), mutant(item, rng, pool, log)?)
        };
        let _ = write!(log, "\n  input: #[concurrent({attr})] {item}");
        Some(run_concurrent(&attr, &item))
    });
}

/// The cases the fuzzer found, kept as plain inputs.
#[test]
fn found_by_fuzzing() {
    // A missing `;`, expression or `:` at the very end was reported at the
    // call site (the whole invocation) instead of on the input.
    for src in [
        "(::taskgroup) error = MyError; let a = f()?",
        "(::taskgroup) let a = fetch(1)?; let b = fetch(2)?; if",
        "(::taskgroup) error = MyError; let a = f()??; 'a",
    ] {
        assert_eq!(run_group(src), Ok(false), "{src}");
    }
    // The same for the attribute's last argument.
    for attr in ["crate =", "limit =", "timeout = d, limit ="] {
        let item = "async fn f() { let a = x().await; let b = y().await; g(a, b); }";
        assert_eq!(
            run_concurrent(attr, item),
            Ok(false),
            "#[concurrent({attr})]"
        );
    }
    // A struct literal before `.await?` panicked: `match S {}.await {` does
    // not parse; the rewrite must put it in parentheses.
    let item =
        "async fn f() -> Result<u8, E> { let a = x {}.await?; let b = y().await?; Ok(a + b) }";
    assert_eq!(run_concurrent("", item), Ok(true));
    let out = crate::concurrent::concurrent(TokenStream::new(), lex(item).expect("lexes"));
    assert!(syn::parse2::<syn::File>(out.clone()).is_ok(), "{out}");
}
