use taskgroup::taskgroup;

#[derive(Debug)]
enum FetchError {
    Http(u16),
}

async fn fetch() -> Result<u8, FetchError> { Err(FetchError::Http(404)) }

async fn run() {
    let _ = taskgroup! {
        let a = fetch()?;
        except* FetchError::Http(eg) as eg => { println!("{eg}"); 0 },
    };
}

fn main() {}
