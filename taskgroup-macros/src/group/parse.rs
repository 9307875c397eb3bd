//! Parsing: tokens to [`Item`]s in source order.
//!
//! The parser is lenient where a mistake is common (unknown options,
//! misplaced pieces, a statement that is not a `let`): it keeps them as
//! items so that validation can report all problems with good messages.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream, Parser};
use syn::{Attribute, Expr, Ident, Pat, Token};

use super::model::{ArmItem, BranchInit, BranchItem, Item, Matcher, OptionItem, OptionValue};
use crate::krate::Krate;

/// The macro's whole input: the runtime path, then the block's items.
pub(crate) struct Input {
    pub(crate) krate: Krate,
    pub(crate) items: Vec<Item>,
}

impl Parse for Input {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let krate = parse_krate(input)?;
        let items = parse_to_last_token(input.parse()?, |input| {
            let mut items = Vec::new();
            while !input.is_empty() {
                items.push(parse_item(input)?);
            }
            Ok(items)
        })?;
        Ok(Input { krate, items })
    }
}

/// Runs `parser` on `tokens` so that a token missing at the end (`;`, an
/// expression, `:`) is reported on the last token. syn reports the end of a
/// top-level stream at the call site, which underlines the whole invocation
/// and so says nothing about where the token is missing; the end of a group
/// it reports at the closing delimiter, here spanned on the last token.
pub(crate) fn parse_to_last_token<T>(
    tokens: TokenStream,
    parser: impl FnOnce(ParseStream<'_>) -> syn::Result<T>,
) -> syn::Result<T> {
    let Some(last) = tokens.clone().into_iter().last() else {
        return parser.parse2(tokens);
    };
    let mut group = Group::new(Delimiter::Brace, tokens);
    group.set_span(last.span());
    let scoped = |input: ParseStream<'_>| {
        let content;
        syn::braced!(content in input);
        parser(&content)
    };
    scoped.parse2(TokenTree::Group(group).into())
}

/// `($crate)`, put first by the facade's `macro_rules!`.
fn parse_krate(input: ParseStream<'_>) -> syn::Result<Krate> {
    let fork = input.fork();
    if let Ok(TokenTree::Group(group)) = fork.parse::<TokenTree>()
        && group.delimiter() == Delimiter::Parenthesis
        && !group.stream().is_empty()
        && is_path(&group.stream())
    {
        input.parse::<TokenTree>()?;
        return Ok(Krate(group.stream()));
    }
    Ok(Krate::default())
}

fn is_path(tokens: &TokenStream) -> bool {
    tokens.clone().into_iter().all(|tt| match tt {
        TokenTree::Ident(_) => true,
        TokenTree::Punct(p) => p.as_char() == ':',
        _ => false,
    })
}

fn peek_except(input: ParseStream<'_>) -> bool {
    let fork = input.fork();
    matches!(fork.call(Ident::parse_any), Ok(ident) if ident == "except") && fork.peek(Token![*])
}

fn parse_item(input: ParseStream<'_>) -> syn::Result<Item> {
    if peek_except(input) {
        return parse_arm(input).map(|a| Item::Arm(Box::new(a)));
    }
    if input.peek(Token![#]) || input.peek(Token![let]) {
        return parse_branch(input).map(|b| Item::Branch(Box::new(b)));
    }
    if let Some(error) = except_without_star(input) {
        return Err(error);
    }
    if input.peek(Ident) && input.peek2(Token![:]) && !input.peek2(Token![::]) {
        return Err(option_as_field(input));
    }
    if input.peek(Ident)
        && !input.peek(Token![let])
        && input.peek2(Token![=])
        && !input.peek2(Token![==])
        && !input.peek2(Token![=>])
    {
        return parse_option(input).map(|o| Item::Option(Box::new(o)));
    }
    let expr: Expr = input.parse()?;
    if input.peek(Token![;]) {
        input.parse::<Token![;]>()?;
        return Ok(Item::Stray(Box::new(expr)));
    }
    if input.is_empty() || peek_except(input) || except_without_star(input).is_some() {
        return Ok(Item::Tail(Box::new(expr)));
    }
    Err(input.error(
        "expected `;` after this expression: a branch is `let PAT = FUTURE;` \
         and only the last expression (the group's value) goes without `;`",
    ))
}

/// `except PATTERN => …`: an arm written without its `*`. No expression
/// starts with a name followed by a pattern (a variable named `except` is
/// followed by an operator, `as`, or the next arm), so this is never user
/// code.
fn except_without_star(input: ParseStream<'_>) -> Option<syn::Error> {
    let fork = input.fork();
    let except = fork.call(Ident::parse_any).ok().filter(|i| i == "except")?;
    let pattern = (fork.peek(Ident::peek_any) && !fork.peek(Token![as]) && !peek_except(&fork))
        || fork.peek(Token![_]);
    if pattern {
        return Some(syn::Error::new(
            except.span(),
            "an `except*` arm is written with `*`: `except* PATTERN => EXPR,` \
             (it receives every error the pattern matches, as Python's `except*`)",
        ));
    }
    None
}

/// `timeout: d,`: an option written like a struct field. The error says
/// what to write, with the user's own value when it is short.
fn option_as_field(input: ParseStream<'_>) -> syn::Error {
    let name: syn::Result<Ident> = input.parse();
    let Ok(name) = name else {
        return input.error("expected an option `NAME = VALUE;` or a branch `let PAT = FUTURE;`");
    };
    let colon: syn::Result<Token![:]> = input.parse();
    let value: TokenStream = input
        .step(|cursor| {
            let mut rest = *cursor;
            let mut tokens = TokenStream::new();
            while let Some((tt, next)) = rest.token_tree() {
                if matches!(&tt, TokenTree::Punct(p) if p.as_char() == ',' || p.as_char() == ';') {
                    break;
                }
                tokens.extend([tt]);
                rest = next;
            }
            Ok((tokens, rest))
        })
        .unwrap_or_default();
    let shown = value.to_string();
    let shown = if shown.is_empty() || shown.len() > 40 {
        "…".to_owned()
    } else {
        shown
    };
    let span = match colon {
        Ok(colon) => quote::quote!(#name #colon #value),
        Err(_) => quote::quote!(#name),
    };
    syn::Error::new_spanned(
        span,
        format!(
            "options are written with `=` and end with `;`: `{name} = {shown};` \
             (not `{name}: …,` as a struct field)"
        ),
    )
}

fn parse_option(input: ParseStream<'_>) -> syn::Result<OptionItem> {
    let name: Ident = input.parse()?;
    input.parse::<Token![=]>()?;
    let value = if name == "error" {
        OptionValue::Type(input.parse()?)
    } else {
        OptionValue::Expr(input.parse()?)
    };
    if !input.is_empty() {
        input.parse::<Token![;]>().map_err(|e| {
            syn::Error::new(e.span(), format!("expected `;` after the `{name}` option"))
        })?;
    }
    Ok(OptionItem { name, value })
}

fn parse_branch(input: ParseStream<'_>) -> syn::Result<BranchItem> {
    let attrs = input.call(Attribute::parse_outer)?;
    if !input.peek(Token![let]) {
        return Err(input.error("expected `let` after the attribute: `#[spawn] let PAT = FUTURE;`"));
    }
    let let_token: Token![let] = input.parse()?;
    let mut pat = Pat::parse_single(input)?;
    if input.peek(Token![:]) {
        let colon_token: Token![:] = input.parse()?;
        let ty = input.parse()?;
        pat = Pat::Type(syn::PatType {
            attrs: Vec::new(),
            pat: Box::new(pat),
            colon_token,
            ty: Box::new(ty),
        });
    }
    let init = if input.peek(Token![;]) {
        BranchInit::Missing
    } else {
        input.parse::<Token![=]>()?;
        if input.peek(Token![for]) {
            BranchInit::For(input.parse()?)
        } else {
            BranchInit::Expr(input.parse()?)
        }
    };
    if input.peek(Token![else]) {
        return Err(input.error(
            "`let … else` is not a branch: a branch is `let PAT = FUTURE;` with an irrefutable PAT",
        ));
    }
    input.parse::<Token![;]>().map_err(|e| {
        syn::Error::new(
            e.span(),
            "expected `;` at the end of the branch: `let PAT = FUTURE;`",
        )
    })?;
    Ok(BranchItem {
        attrs,
        let_token,
        pat,
        init,
    })
}

fn parse_arm(input: ParseStream<'_>) -> syn::Result<ArmItem> {
    let except = input.call(Ident::parse_any)?;
    input.parse::<Token![*]>()?;
    let matcher = if input.peek(Token![=>]) || input.peek(Token![as]) || input.peek(Token![if]) {
        None
    } else if input.peek(Token![type]) {
        input.parse::<Token![type]>()?;
        let ty: syn::Type = input.parse()?;
        if input.peek(syn::token::Paren) || input.peek(syn::token::Brace) {
            // `except* type io::Error(e)`: a downcast cannot destructure.
            let ty = quote::quote!(#ty).to_string().replace(' ', "");
            return Err(input.error(format!(
                "a `type` arm binds no names from the error: name the errors it received \
                 with `as NAME` and downcast them: \
                 `except* type {ty} as eg => … eg.first().downcast_ref::<{ty}>()`"
            )));
        }
        Some(Matcher::Type(ty))
    } else {
        Some(Matcher::Pattern(Pat::parse_multi_with_leading_vert(input)?))
    };
    let name = if input.peek(Token![as]) {
        input.parse::<Token![as]>()?;
        if input.peek(Token![_]) {
            input.parse::<Token![_]>()?;
            None
        } else {
            Some(input.parse()?)
        }
    } else {
        None
    };
    let guard = if input.peek(Token![if]) {
        let if_token: Token![if] = input.parse()?;
        Some((if_token, input.parse()?))
    } else {
        None
    };
    input.parse::<Token![=>]>().map_err(|e| {
        syn::Error::new(
            e.span(),
            "expected `=>`: an arm is `except* PATTERN [as NAME] [if GUARD] => EXPR,`",
        )
    })?;
    let body: Expr = input.parse()?;
    let block_like = matches!(
        body,
        Expr::Block(_) | Expr::If(_) | Expr::Match(_) | Expr::Loop(_) | Expr::Unsafe(_)
    );
    if input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
    } else if !block_like && !input.is_empty() {
        return Err(input.error("expected `,` after the `except*` arm"));
    }
    Ok(ArmItem {
        except: except.span(),
        matcher,
        name,
        guard,
        body,
    })
}
