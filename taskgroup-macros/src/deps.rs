//! Which earlier bindings a piece of code uses: the dependency analysis
//! shared by `taskgroup!` and `#[concurrent]`.
//!
//! Only free uses count: a single-identifier path expression (`user`,
//! `&user`, `user.name`, `f(user)`, `S { user }`) that is not shadowed by a
//! binding the code makes itself (`let`, closure parameters, `match` arms,
//! `for` and `if let` / `while let` patterns). Field names, method names,
//! multi-segment paths (`user::X`), types and nested items never count.
//! Inside macro calls the arguments are parsed as expressions when they
//! can be (so `format!("{user}")` and `vec![user]` count); tokens that do
//! not parse are scanned for any known name, which over-approximates: a
//! false dependency only makes a branch start later, a missed one would
//! not compile.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::visit::{self, Visit};
use syn::{Expr, Ident, Pat, Stmt, Token};

/// The names a piece of code uses, each with the span of its first use.
pub(crate) type Uses = BTreeMap<String, Ident>;

/// The names among `known` that `expr` uses freely.
pub(crate) fn expr_uses(expr: &Expr, known: &BTreeSet<String>) -> Uses {
    let mut finder = Finder::new(known);
    finder.visit_expr(expr);
    finder.found
}

/// The names among `known` that a sequence of statements uses freely; a
/// `let` shadows a name for the statements after it.
pub(crate) fn stmts_uses(stmts: &[Stmt], known: &BTreeSet<String>) -> Uses {
    let mut finder = Finder::new(known);
    finder.scoped(|f| stmts.iter().for_each(|s| f.visit_stmt(s)));
    finder.found
}

/// The names a pattern binds, in order of appearance.
pub(crate) fn pat_bindings(pat: &Pat) -> Vec<Ident> {
    let mut out = Vec::new();
    collect_bindings(pat, &mut out);
    out
}

fn collect_bindings(pat: &Pat, out: &mut Vec<Ident>) {
    match pat {
        Pat::Ident(p) => {
            out.push(p.ident.clone());
            if let Some((_, sub)) = &p.subpat {
                collect_bindings(sub, out);
            }
        }
        Pat::Or(p) => {
            for case in &p.cases {
                for ident in pat_bindings(case) {
                    if !out.iter().any(|seen| seen == &ident) {
                        out.push(ident);
                    }
                }
            }
        }
        Pat::Paren(p) => collect_bindings(&p.pat, out),
        Pat::Reference(p) => collect_bindings(&p.pat, out),
        Pat::Slice(p) => p.elems.iter().for_each(|e| collect_bindings(e, out)),
        Pat::Tuple(p) => p.elems.iter().for_each(|e| collect_bindings(e, out)),
        Pat::TupleStruct(p) => p.elems.iter().for_each(|e| collect_bindings(e, out)),
        Pat::Struct(p) => p.fields.iter().for_each(|f| collect_bindings(&f.pat, out)),
        Pat::Type(p) => collect_bindings(&p.pat, out),
        Pat::Guard(p) => collect_bindings(&p.pat, out),
        _ => {}
    }
}

fn name_of(ident: &Ident) -> String {
    ident.unraw().to_string()
}

struct Finder<'k> {
    known: &'k BTreeSet<String>,
    scopes: Vec<Vec<String>>,
    found: Uses,
}

impl<'k> Finder<'k> {
    fn new(known: &'k BTreeSet<String>) -> Self {
        Finder {
            known,
            scopes: vec![Vec::new()],
            found: Uses::new(),
        }
    }

    fn scoped(&mut self, f: impl FnOnce(&mut Self)) {
        self.scopes.push(Vec::new());
        f(self);
        self.scopes.pop();
    }

    fn bind(&mut self, pat: &Pat) {
        let names = pat_bindings(pat).iter().map(name_of).collect::<Vec<_>>();
        if let Some(scope) = self.scopes.last_mut() {
            scope.extend(names);
        }
        // Patterns hold expressions only in guards; constants in patterns
        // are paths, never locals.
        if let Pat::Guard(g) = pat {
            self.visit_expr(&g.guard);
        }
    }

    fn note(&mut self, ident: &Ident) {
        let name = name_of(ident);
        if self.known.contains(&name)
            && !self.scopes.iter().any(|s| s.contains(&name))
            && !self.found.contains_key(&name)
        {
            self.found.insert(name, ident.clone());
        }
    }

    fn tokens(&mut self, tokens: TokenStream) {
        let as_exprs = Punctuated::<Expr, Token![,]>::parse_terminated.parse2(tokens.clone());
        if let Ok(exprs) = as_exprs {
            for expr in &exprs {
                self.visit_expr(expr);
                self.format_args(expr);
            }
            return;
        }
        if let Ok(stmts) = syn::Block::parse_within.parse2(tokens.clone()) {
            self.scoped(|f| stmts.iter().for_each(|s| f.visit_stmt(s)));
            return;
        }
        self.scan(tokens);
    }

    /// `format!("{user}")` names `user` inside the string.
    fn format_args(&mut self, expr: &Expr) {
        let Expr::Lit(lit) = expr else { return };
        let syn::Lit::Str(s) = &lit.lit else { return };
        let text = s.value();
        let mut rest = text.as_str();
        while let Some(open) = rest.find('{') {
            rest = &rest[open + 1..];
            if rest.starts_with('{') {
                rest = &rest[1..];
                continue;
            }
            let end = rest.find(['}', ':']).unwrap_or(rest.len());
            let name = rest[..end].trim();
            if let Ok(ident) = syn::parse_str::<Ident>(name) {
                self.note(&Ident::new(&name_of(&ident), s.span()));
            }
        }
    }

    fn scan(&mut self, tokens: TokenStream) {
        for tt in tokens {
            match tt {
                TokenTree::Ident(ident) => self.note(&ident),
                TokenTree::Group(g) => self.scan(g.stream()),
                _ => {}
            }
        }
    }
}

impl<'ast> Visit<'ast> for Finder<'_> {
    fn visit_expr_path(&mut self, e: &'ast syn::ExprPath) {
        let path = &e.path;
        if e.qself.is_none()
            && path.leading_colon.is_none()
            && path.segments.len() == 1
            && let Some(seg) = path.segments.first()
            && seg.arguments.is_none()
        {
            self.note(&seg.ident);
        }
    }

    fn visit_block(&mut self, b: &'ast syn::Block) {
        self.scoped(|f| b.stmts.iter().for_each(|s| f.visit_stmt(s)));
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let Some(init) = &l.init {
            self.visit_expr(&init.expr);
            if let Some((_, diverge)) = &init.diverge {
                self.visit_expr(diverge);
            }
        }
        self.bind(&l.pat);
    }

    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        self.scoped(|f| {
            c.inputs.iter().for_each(|p| f.bind(p));
            f.visit_expr(&c.body);
        });
    }

    fn visit_arm(&mut self, a: &'ast syn::Arm) {
        self.scoped(|f| {
            f.bind(&a.pat);
            f.visit_expr(&a.body);
        });
    }

    fn visit_expr_for_loop(&mut self, e: &'ast syn::ExprForLoop) {
        self.visit_expr(&e.expr);
        self.scoped(|f| {
            f.bind(&e.pat);
            f.visit_block(&e.body);
        });
    }

    fn visit_expr_if(&mut self, e: &'ast syn::ExprIf) {
        // `if let` bindings are visible in the condition's later parts
        // (let chains) and in the then-branch only.
        self.scoped(|f| {
            f.visit_expr(&e.cond);
            f.visit_block(&e.then_branch);
        });
        if let Some((_, els)) = &e.else_branch {
            self.visit_expr(els);
        }
    }

    fn visit_expr_while(&mut self, e: &'ast syn::ExprWhile) {
        self.scoped(|f| {
            f.visit_expr(&e.cond);
            f.visit_block(&e.body);
        });
    }

    fn visit_expr_let(&mut self, e: &'ast syn::ExprLet) {
        self.visit_expr(&e.expr);
        self.bind(&e.pat);
    }

    fn visit_pat(&mut self, _: &'ast Pat) {}

    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.tokens(m.tokens.clone());
    }

    fn visit_expr_struct(&mut self, e: &'ast syn::ExprStruct) {
        for field in &e.fields {
            self.visit_expr(&field.expr);
        }
        if let Some(rest) = &e.rest {
            self.visit_expr(rest);
        }
    }

    fn visit_stmt(&mut self, s: &'ast Stmt) {
        visit::visit_stmt(self, s);
    }
}

/// Whether the future `expr` makes may borrow a temporary of `expr`: a
/// `&` of anything but a place (`&x`, `&self.a[i]` are fine; `&x.to_string()`
/// is not), or a method called on anything but a place (the method may
/// take `&self` of a temporary). Such an expression is evaluated inside
/// the branch's async block, where its temporaries live as long as it runs.
pub(crate) fn borrows_temporary(expr: &Expr) -> bool {
    let mut finder = TemporaryBorrow(false);
    finder.visit_expr(expr);
    finder.0
}

/// A place expression: a path, or a field, index or deref of one.
fn is_place(expr: &Expr) -> bool {
    match expr {
        Expr::Path(_) => true,
        Expr::Field(f) => is_place(&f.base),
        Expr::Index(i) => is_place(&i.expr),
        Expr::Paren(p) => is_place(&p.expr),
        Expr::Unary(u) => matches!(u.op, syn::UnOp::Deref(_)) && is_place(&u.expr),
        _ => false,
    }
}

struct TemporaryBorrow(bool);

impl<'ast> Visit<'ast> for TemporaryBorrow {
    fn visit_expr_reference(&mut self, r: &'ast syn::ExprReference) {
        if !is_place(&r.expr) {
            self.0 = true;
        }
        visit::visit_expr_reference(self, r);
    }
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        if !is_place(&m.receiver) {
            self.0 = true;
        }
        visit::visit_expr_method_call(self, m);
    }
    // Their bodies run later, with their own temporaries.
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> BTreeSet<String> {
        ["a", "b", "c"].iter().map(|s| s.to_string()).collect()
    }

    fn uses(src: &str) -> Vec<String> {
        let expr: Expr = syn::parse_str(src).unwrap();
        expr_uses(&expr, &known()).into_keys().collect()
    }

    #[test]
    fn borrows_of_temporaries_are_found() {
        let borrows = |src: &str| borrows_temporary(&syn::parse_str(src).unwrap());
        assert!(borrows("f(&id.to_string())"));
        assert!(borrows("f(&[a, b])"));
        assert!(borrows("make().run()"));
        assert!(borrows("f(&*g())"));
        assert!(!borrows("f(id, &url, &self.a[i], &*x)"));
        assert!(!borrows("client.get(&url)"));
        assert!(!borrows("f(id.to_string())"));
        assert!(!borrows("f(|| g(&h()), async { g(&h()).await })"));
    }

    #[test]
    fn free_uses_count() {
        assert_eq!(uses("f(&a, b.len())"), ["a", "b"]);
        assert_eq!(uses("S { a, x: c }"), ["a", "c"]);
        assert_eq!(uses("format!(\"{a} {}\", b)"), ["a", "b"]);
    }

    #[test]
    fn fields_methods_paths_do_not_count() {
        assert!(uses("x.a.b()").is_empty());
        assert!(uses("a::f(b::C)").is_empty());
        assert!(uses("S { a: 1 }.c").is_empty());
    }

    #[test]
    fn shadowing_hides_names() {
        assert!(uses("|a| a + 1").is_empty());
        assert_eq!(uses("{ let a = b; a }"), ["b"]);
        assert!(uses("match x { Some(c) => c, None => 0 }").is_empty());
        assert_eq!(uses("for a in c { a; }"), ["c"]);
        assert_eq!(uses("if let Some(a) = x { a } else { a }"), ["a"]);
        assert_eq!(uses("{ f(a); let a = 1; a }"), ["a"]);
    }

    #[test]
    fn items_do_not_see_locals() {
        assert!(uses("{ fn g() -> u8 { a } g() }").is_empty());
    }

    #[test]
    fn unparsable_macro_tokens_are_scanned() {
        assert_eq!(uses("m!(=> a ; b)"), ["a", "b"]);
        // Tokens that parse as an expression are read as one.
        assert_eq!(uses("m!(a + c)"), ["a", "c"]);
    }

    #[test]
    fn statements_scope_in_order() {
        let block: syn::Block = syn::parse_str("{ let x = a; let b = 2; b + x }").unwrap();
        let found: Vec<_> = stmts_uses(&block.stmts, &known()).into_keys().collect();
        assert_eq!(found, ["a"]);
        let stmt: Stmt = syn::parse_str("let x = c;").unwrap();
        assert_eq!(
            stmts_uses(std::slice::from_ref(&stmt), &known())
                .into_keys()
                .collect::<Vec<_>>(),
            ["c"]
        );
        let pat = Pat::parse_single
            .parse_str("(x, S { y, z: mut w })")
            .unwrap();
        let names: Vec<_> = pat_bindings(&pat).iter().map(|i| i.to_string()).collect();
        assert_eq!(names, ["x", "y", "w"]);
    }
}
