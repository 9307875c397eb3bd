use taskgroup::taskgroup;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn read() -> Result<u8, BoxError> { Ok(1) }

async fn run() {
    let _ = taskgroup! {
        let a = read()?;
        except* type std::io::Error(e) => { println!("{e}"); 0 },
    };
}

fn main() {}
