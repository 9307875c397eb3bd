//! Pinned expansions: what the macros generate is committed and checked, so
//! that a change to the generated code shows in review as a change to a
//! snapshot, and a change nobody meant fails here.
//!
//! Each `tests/expand/NAME.rs` (at the workspace root) is a small file that
//! uses the macros as a user would. Its `taskgroup! { … }` calls and
//! `#[concurrent]` fns are run through the macros' own code
//! ([`crate::group::taskgroup`], [`crate::concurrent::concurrent`]) with the
//! runtime path a user's crate sees (`::taskgroup`), and the whole file is
//! printed by prettyplease to `tests/expand/NAME.expanded.rs`. The printing
//! holds no spans, hashes or local paths, so it is the same on every machine.
//!
//! The inputs are built by the facade's `tests/expand_inputs.rs`, so each
//! snapshot pins the expansion of code that compiles.
//!
//! `examples/taskgroup-expanded.rs` writes the expansion of one group by
//! hand, with comments; [`example_matches_the_expansion`] checks that its
//! `expanded` fn is the expansion of the `taskgroup!` in `with_macro` beside
//! it. Both are compared as printed here, so only comments and layout may
//! differ.
//!
//! After a change to the generated code, rewrite the snapshots and review
//! their diff:
//!
//! ```text
//! TASKGROUP_BLESS=1 cargo test -p taskgroup-macros expand
//! ```

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::visit_mut::{self, VisitMut};
use syn::{Attribute, Expr, File, ImplItem, Item, Meta, Stmt, Token};

use crate::krate::Krate;

/// The variable that turns a mismatch into a rewrite of the snapshot.
const BLESS: &str = "TASKGROUP_BLESS";
const HOW_TO_BLESS: &str = "TASKGROUP_BLESS=1 cargo test -p taskgroup-macros expand";

#[test]
fn snapshots_match_the_expansion() {
    let dir = workspace_root().join("tests/expand");
    let bless = blessing();
    let mut inputs = Vec::new();
    let mut snapshots = Vec::new();
    for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("a directory entry").path();
        let name = file_name(&path);
        if name.ends_with(".expanded.rs") {
            snapshots.push(path);
        } else if name.ends_with(".rs") {
            inputs.push(path);
        }
    }
    inputs.sort();
    assert!(!inputs.is_empty(), "no inputs in {}", dir.display());

    let mut failures = String::new();
    // Every input is built by a test target of the facade, so that none
    // pins the expansion of code that does not compile.
    let builds = read(&workspace_root().join("tests/expand_inputs.rs"));
    for input in &inputs {
        let listed = format!("#[path = \"expand/{}\"]", file_name(input));
        if !builds.contains(&listed) {
            let _ = writeln!(
                failures,
                "{} is not built: add `{listed} mod …;` to tests/expand_inputs.rs\n",
                relative(input)
            );
        }
    }
    for input in &inputs {
        let snapshot = input.with_extension("expanded.rs");
        let src = read(input);
        let actual = expand_file(&src).unwrap_or_else(|e| panic!("{}: {e}", input.display()));
        // A checkout that turned the line ends into `\r\n` changed nothing.
        let committed = fs::read_to_string(&snapshot)
            .ok()
            .map(|s| s.replace("\r\n", "\n"));
        if committed.as_deref() == Some(actual.as_str()) {
            continue;
        }
        let shown = relative(&snapshot);
        if bless {
            fs::write(&snapshot, &actual).unwrap_or_else(|e| panic!("{shown}: {e}"));
            eprintln!("blessed {shown}");
            continue;
        }
        match committed {
            Some(committed) => {
                let _ = writeln!(
                    failures,
                    "{shown} differs from the expansion of {}\n\
                     (- committed snapshot, + expansion now):\n{}",
                    relative(input),
                    diff(&committed, &actual),
                );
            }
            None => {
                let _ = writeln!(failures, "{shown} is missing\n");
            }
        }
    }
    // A snapshot whose input is gone would pin nothing and mislead a reader.
    for snapshot in &snapshots {
        let input = PathBuf::from(
            snapshot
                .to_str()
                .expect("a UTF-8 path")
                .replace(".expanded.rs", ".rs"),
        );
        if !input.exists() {
            let shown = relative(snapshot);
            if bless {
                fs::remove_file(snapshot).unwrap_or_else(|e| panic!("{shown}: {e}"));
                eprintln!("removed {shown}: its input is gone");
            } else {
                let _ = writeln!(failures, "{shown} has no input {}\n", relative(&input));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "the expansion snapshots are out of date.\n\n{failures}\
         If the change to the generated code is intended, rewrite them with\n\
         \n    {HOW_TO_BLESS}\n\nand review the diff of tests/expand/ before committing."
    );
}

#[test]
fn example_matches_the_expansion() {
    let path = workspace_root().join("examples/taskgroup-expanded.rs");
    let file = syn::parse_file(&read(&path)).expect("the example parses");
    let find = |name: &str| {
        file.items
            .iter()
            .find_map(|item| match item {
                Item::Fn(f) if f.sig.ident == name => Some(f.clone()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("examples/taskgroup-expanded.rs has no fn `{name}`"))
    };
    let with_macro = find("with_macro");
    let written = find("expanded");

    // `expanded` as written, and `expanded` with the body of `with_macro`
    // expanded: the signatures are the same, only the bodies may differ.
    let mut body = with_macro.block.clone();
    Expander.visit_block_mut(&mut body);
    assert_ne!(
        body.to_token_stream().to_string(),
        with_macro.block.to_token_stream().to_string(),
        "`with_macro` in examples/taskgroup-expanded.rs calls no `taskgroup!`"
    );
    let mut expected = written.clone();
    expected.block = body;
    let print = |f: syn::ItemFn| pretty(syn::parse_quote!(#f));
    let (written, expected) = (print(written), print(expected));
    assert!(
        written == expected,
        "`expanded` in examples/taskgroup-expanded.rs is no longer what the \
         `taskgroup!` in `with_macro` expands to\n\
         (- the example, + the expansion; comments are not compared):\n{}\n\
         Edit `expanded` by hand to the expansion below and update its comments \
         (the blessing variable does not rewrite the example, whose comments \
         explain the code):\n\n{expected}",
        diff(&written, &expected),
    );
}

/// The file with every macro call expanded, pretty-printed.
fn expand_file(src: &str) -> syn::Result<String> {
    let mut file: File = syn::parse_file(src)?;
    Expander.visit_file_mut(&mut file);
    Ok(pretty(file))
}

/// prettyplease's layout of `file`, with the arguments of the generated
/// `::path::name!(…)` calls laid out as expressions (as rustfmt does).
/// prettyplease lays out only the standard macros it knows and prints the
/// others' tokens in one run, which would leave most of a branch (inside
/// `::core::pin::pin!(…)`) as one unreadable paragraph. Only absolute paths
/// are touched: generated code writes every path so, while the user's own
/// `format!(…)` is left to prettyplease, which knows it.
fn pretty(mut file: File) -> String {
    MacroArgs.visit_file_mut(&mut file);
    prettyplease::unparse(&file).replace(MACRO_CALL, "!")
}

/// Ends the name of a macro called as a fn while the file is laid out;
/// no Rust name ends with it, so replacing it with `!` touches nothing else.
const MACRO_CALL: &str = "__snapshot_macro_call";

/// Turns `::path::name!(a, b)` into a call of `::path::name__snapshot_macro_call`
/// with the same arguments, when they parse as expressions.
struct MacroArgs;

impl VisitMut for MacroArgs {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        if let Expr::Macro(m) = &*expr
            && m.mac.path.leading_colon.is_some()
            && matches!(m.mac.delimiter, syn::MacroDelimiter::Paren(_))
            && let Ok(args) =
                Punctuated::<Expr, Token![,]>::parse_terminated.parse2(m.mac.tokens.clone())
        {
            let mut func = m.mac.path.clone();
            if let Some(last) = func.segments.last_mut() {
                last.ident = format_ident!("{}{MACRO_CALL}", last.ident);
            }
            *expr = Expr::Call(syn::ExprCall {
                attrs: m.attrs.clone(),
                func: Box::new(Expr::Path(syn::ExprPath {
                    attrs: Vec::new(),
                    qself: None,
                    path: func,
                })),
                paren_token: syn::token::Paren::default(),
                args,
            });
        }
        visit_mut::visit_expr_mut(self, expr);
    }
}

/// Replaces `taskgroup!` calls and `#[concurrent]` fns by their expansions,
/// outermost first, as the compiler does: an attribute sees the macro calls
/// inside its fn unexpanded, and the calls left in an expansion are then
/// expanded in turn.
struct Expander;

impl VisitMut for Expander {
    fn visit_file_mut(&mut self, file: &mut File) {
        file.items = expand_items(std::mem::take(&mut file.items));
        visit_mut::visit_file_mut(self, file);
    }

    fn visit_item_mod_mut(&mut self, module: &mut syn::ItemMod) {
        if let Some((_, items)) = &mut module.content {
            *items = expand_items(std::mem::take(items));
        }
        visit_mut::visit_item_mod_mut(self, module);
    }

    fn visit_item_impl_mut(&mut self, block: &mut syn::ItemImpl) {
        block.items = expand_items(std::mem::take(&mut block.items));
        visit_mut::visit_item_impl_mut(self, block);
    }

    fn visit_stmt_mut(&mut self, stmt: &mut Stmt) {
        // `taskgroup! { … }` in statement position parses as a statement
        // macro, not as an expression.
        if let Stmt::Macro(m) = &*stmt
            && is_taskgroup(&m.mac.path)
        {
            *stmt = Stmt::Expr(expand_group(&m.mac.tokens), m.semi_token);
        }
        visit_mut::visit_stmt_mut(self, stmt);
    }

    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        if let Expr::Macro(m) = &*expr
            && is_taskgroup(&m.mac.path)
        {
            *expr = expand_group(&m.mac.tokens);
        }
        visit_mut::visit_expr_mut(self, expr);
    }
}

/// An item that `#[concurrent]` may sit on: a free fn or a method.
trait FnItem: Parse + ToTokens {
    fn attrs_mut(&mut self) -> Option<&mut Vec<Attribute>>;
}

impl FnItem for Item {
    fn attrs_mut(&mut self) -> Option<&mut Vec<Attribute>> {
        match self {
            Item::Fn(f) => Some(&mut f.attrs),
            _ => None,
        }
    }
}

impl FnItem for ImplItem {
    fn attrs_mut(&mut self) -> Option<&mut Vec<Attribute>> {
        match self {
            ImplItem::Fn(f) => Some(&mut f.attrs),
            _ => None,
        }
    }
}

/// `items` with each `#[concurrent]` fn replaced by what the attribute
/// emits (one fn, or an error and the fn).
fn expand_items<T: FnItem>(items: Vec<T>) -> Vec<T> {
    let mut out = Vec::with_capacity(items.len());
    for mut item in items {
        let Some(attrs) = item.attrs_mut() else {
            out.push(item);
            continue;
        };
        let Some(at) = attrs.iter().position(|a| is_named(a.path(), "concurrent")) else {
            out.push(item);
            continue;
        };
        let attr = attrs.remove(at);
        let args = match attr.meta {
            Meta::Path(_) => TokenStream::new(),
            Meta::List(list) => list.tokens,
            Meta::NameValue(_) => panic!("#[concurrent = …] is not an input the attribute takes"),
        };
        let tokens = crate::concurrent::concurrent(args, item.to_token_stream());
        out.extend(parse_all::<T>(tokens));
    }
    out
}

fn expand_group(tokens: &TokenStream) -> Expr {
    let krate = Krate::default();
    let tokens = crate::group::taskgroup(quote!((#krate) #tokens));
    syn::parse2(tokens).unwrap_or_else(|e| panic!("the expansion of taskgroup! parses: {e}"))
}

fn parse_all<T: Parse>(tokens: TokenStream) -> Vec<T> {
    let many = |input: ParseStream<'_>| {
        let mut items = Vec::new();
        while !input.is_empty() {
            items.push(input.parse()?);
        }
        Ok(items)
    };
    many.parse2(tokens)
        .unwrap_or_else(|e| panic!("the expansion of #[concurrent] parses: {e}"))
}

/// `taskgroup!`, `taskgroup::taskgroup!`, `$crate::taskgroup!`…
fn is_taskgroup(path: &syn::Path) -> bool {
    is_named(path, "taskgroup")
}

fn is_named(path: &syn::Path, name: &str) -> bool {
    path.segments.last().is_some_and(|s| s.ident == name)
}

/// True when this run rewrites the snapshots instead of checking them.
fn blessing() -> bool {
    std::env::var_os(BLESS).is_some_and(|v| v == "1")
}

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("taskgroup-macros sits in the workspace")
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn file_name(path: &Path) -> &str {
    path.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

/// A path as the reader types it, from the workspace root.
fn relative(path: &Path) -> String {
    path.strip_prefix(workspace_root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Lines kept around each change in a diff.
const CONTEXT: usize = 3;

/// A line diff of `old` and `new` (longest common subsequence), with
/// `CONTEXT` unchanged lines around each change and the line numbers of
/// `new`.
fn diff(old: &str, new: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    // (mark, line of `new` the change is at, text)
    let mut ops: Vec<(char, usize, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            ops.push((' ', j, a[i]));
            (i, j) = (i + 1, j + 1);
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(('-', j, a[i]));
            i += 1;
        } else {
            ops.push(('+', j, b[j]));
            j += 1;
        }
    }
    let changed: Vec<usize> = (0..ops.len()).filter(|&k| ops[k].0 != ' ').collect();
    let near = |k: usize| {
        changed
            .iter()
            .any(|&c| c.saturating_sub(CONTEXT) <= k && k <= c + CONTEXT)
    };
    let mut out = String::new();
    let mut skipped = false;
    for (k, &(mark, line, text)) in ops.iter().enumerate() {
        if near(k) {
            if skipped || k == 0 {
                let _ = writeln!(out, "@@ line {} @@", line + 1);
                skipped = false;
            }
            let _ = writeln!(out, "{mark} {text}");
        } else {
            skipped = true;
        }
    }
    out
}

#[test]
fn diff_shows_each_change_with_its_context() {
    let old = "a\nb\nc\nd\ne\nf\ng\nh\ni\n";
    let new = "a\nb\nc\nd\nE\nf\ng\nh\ni\nj\n";
    assert_eq!(
        diff(old, new),
        "@@ line 2 @@\n  b\n  c\n  d\n- e\n+ E\n  f\n  g\n  h\n  i\n+ j\n"
    );
}
