//! `except*` arms: a guarded pattern, a pattern whose sub-group is bound
//! with `as`, a name the pattern binds, the partial results of the
//! branches (a plain one, a fan-out), and a catch-all.

use taskgroup::{ErrorGroup, taskgroup};

#[derive(Debug)]
enum FetchError {
    Http(u16),
    Gone,
}

async fn fetch(status: u16) -> Result<String, FetchError> {
    match status {
        410 => Err(FetchError::Gone),
        200 => Ok("page".to_string()),
        _ => Err(FetchError::Http(status)),
    }
}

async fn except_arms(status: u16) -> Result<String, ErrorGroup<FetchError>> {
    taskgroup! {
        let page = fetch(status)?;
        let more = for s in [200, status] { fetch(s)? };
        page + &more.concat()
        except* FetchError::Http(code) if *code >= 500 => "try later".to_string(),
        except* FetchError::Gone as eg => format!("{} gone", eg.len()),
        except* FetchError::Http(code) => format!("{code}: {} of {}", page.is_some(), more.len()),
        except* _ => "failed".to_string(),
    }
}
