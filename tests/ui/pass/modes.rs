use taskgroup::taskgroup;

async fn ok(n: u8) -> Result<u8, String> {
    Ok(n)
}

async fn run() {
    let (a, b) = taskgroup! {
        mode = supervise;
        let a = ok(1)?;
        let b = async { 2u8 };
    };
    assert_eq!((a, b), (Ok(1), 2));
    let won = taskgroup! {
        mode = race;
        let a = ok(1)?;
        let b = ok(2)?;
    };
    assert!(won.is_ok());
    // A branch whose types only the other branches give: its value (a
    // race) and its error are inferred from theirs.
    let won = taskgroup! {
        mode = race;
        let a = async { Ok(Vec::new()) }?;
        let b = async { Err::<Vec<u8>, String>("down".into()) }?;
    };
    assert_eq!(won, Ok(Vec::new()));
    let failed = taskgroup! {
        let a = async { Ok(()) }?;
        let b = async { Err::<u8, &str>("down") }?;
    };
    assert_eq!(failed.unwrap_err().into_vec(), ["down"]);
    // Each branch borrows `&mut` a local of its own, or its own local.
    let (mut x, mut y) = (1u8, 2u8);
    let sums = taskgroup! {
        let a = async { let mut n = 1u8; let r = &mut n; *r += 1; n };
        let b = async { let mut n = 2u8; let r = &mut n; *r += 1; n };
        let c = async { x += 1; x };
        let d = async { let r = &mut y; *r += 1; *r };
    };
    assert_eq!(sums, (2, 3, 2, 3));
    // A local named `except` is an ordinary name in a branch and the tail.
    let except = 3u32;
    let v = taskgroup! {
        let a = async { except + 1 };
        except as u64 + a as u64
    };
    assert_eq!(v, 7);
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(run());
}
