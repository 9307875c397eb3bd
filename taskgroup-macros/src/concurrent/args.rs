//! The arguments of `#[concurrent(timeout = …, cancel = …, limit = …, crate = "…")]`.

use proc_macro2::TokenStream;
use syn::parse::ParseStream;
use syn::{Expr, Ident, LitStr, Token};

/// The parsed arguments; every one is optional.
#[derive(Default)]
pub(crate) struct Args {
    /// A deadline for the whole fn (an expression of type `Duration`).
    pub(crate) timeout: Option<Expr>,
    /// A future that cancels the whole fn when it completes.
    pub(crate) cancel: Option<Expr>,
    /// At most this many concurrent lets run at once.
    pub(crate) limit: Option<Expr>,
    /// The path of the `taskgroup` crate, for crates that re-export it.
    pub(crate) krate: Option<syn::Path>,
}

const EXPECTED: &str = "expected one of `timeout`, `cancel`, `limit`, `crate`";

/// Parses the attribute's arguments, reporting every problem at once.
pub(crate) fn parse(attr: TokenStream) -> syn::Result<Args> {
    let mut args = Args::default();
    let mut errors: Option<syn::Error> = None;
    let parser = |input: ParseStream<'_>| {
        while !input.is_empty() {
            if let Err(e) = parse_one(input, &mut args) {
                push(&mut errors, e);
                // Skip to the next argument so later ones are still checked.
                while !input.is_empty() && !input.peek(Token![,]) {
                    input.parse::<proc_macro2::TokenTree>()?;
                }
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(())
    };
    // A value missing at the end (`limit =`) is reported on the last token,
    // not on the whole attribute.
    crate::group::parse::parse_to_last_token(attr, parser)?;
    match errors {
        Some(e) => Err(e),
        None => Ok(args),
    }
}

fn push(errors: &mut Option<syn::Error>, e: syn::Error) {
    match errors {
        Some(all) => all.combine(e),
        None => *errors = Some(e),
    }
}

fn parse_one(input: ParseStream<'_>, args: &mut Args) -> syn::Result<()> {
    let name: Ident = if input.peek(Token![crate]) {
        let kw: Token![crate] = input.parse()?;
        Ident::new("crate", kw.span)
    } else {
        input.parse().map_err(|e| {
            syn::Error::new(e.span(), format!("expected an argument name; {EXPECTED}"))
        })?
    };
    let key = name.to_string();
    if !matches!(key.as_str(), "timeout" | "cancel" | "limit" | "crate") {
        return Err(syn::Error::new(
            name.span(),
            format!("unknown argument `{key}`; {EXPECTED}"),
        ));
    }
    if !input.peek(Token![=]) {
        let example = match key.as_str() {
            "timeout" => "timeout = Duration::from_secs(5)",
            "cancel" => "cancel = token.cancelled_owned()",
            "limit" => "limit = 4",
            _ => "crate = \"my_crate::taskgroup\"",
        };
        return Err(syn::Error::new(
            name.span(),
            format!("`{key}` needs a value: write `{example}`"),
        ));
    }
    input.parse::<Token![=]>()?;
    match key.as_str() {
        "timeout" => {
            let value: Expr = input.parse()?;
            set(&mut args.timeout, value, &name)
        }
        "cancel" => {
            let value: Expr = input.parse()?;
            set(&mut args.cancel, value, &name)
        }
        "limit" => {
            let value: Expr = input.parse()?;
            if let Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &value
            {
                return Err(syn::Error::new(
                    s.span(),
                    "`limit` takes a number, not a string: write `limit = 4`",
                ));
            }
            if let Some(e) = crate::group::validate::zero_limit(&value) {
                return Err(e);
            }
            set(&mut args.limit, value, &name)
        }
        _ => {
            let lit: LitStr = input.parse().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    "`crate` takes the path as a string: write `crate = \"my_crate::taskgroup\"`",
                )
            })?;
            let path: syn::Path = lit.parse().map_err(|_| {
                syn::Error::new(
                    lit.span(),
                    "`crate` must name a path, such as `\"my_crate::taskgroup\"`",
                )
            })?;
            set(&mut args.krate, path, &name)
        }
    }
}

fn set<T>(slot: &mut Option<T>, value: T, name: &Ident) -> syn::Result<()> {
    if slot.is_some() {
        return Err(syn::Error::new(
            name.span(),
            format!("`{name}` is given twice; keep one"),
        ));
    }
    *slot = Some(value);
    Ok(())
}
