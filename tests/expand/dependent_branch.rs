//! A branch that names another's binding: `page` waits for `cfg` and sees
//! it by reference; `rows` runs alongside; the tail owns the values.

use std::io;

use taskgroup::{ErrorGroup, taskgroup};

async fn load_config() -> Result<String, io::Error> {
    Ok("dark".to_string())
}

async fn render(theme: &str) -> Result<String, io::Error> {
    Ok(format!("<{theme}>"))
}

async fn count_rows() -> u64 {
    42
}

async fn dependent_branch() -> Result<String, ErrorGroup<io::Error>> {
    taskgroup! {
        let cfg = load_config()?;
        let rows = count_rows();
        let page = render(cfg)?;
        format!("{page} {rows}")
    }
}
