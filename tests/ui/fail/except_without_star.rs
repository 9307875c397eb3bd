use taskgroup::taskgroup;

#[derive(Debug)]
enum E { Http(u16), Gone }

async fn one() -> Result<u8, E> { Ok(1) }

async fn run() {
    let _ = taskgroup! {
        let a = one()?;
        a
        except E::Http(_) => 0,
    };
}

fn main() {}
