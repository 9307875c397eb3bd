//! The `tracing` feature: every group and child gets a span, failures and
//! cancellation are events. Run with
//! `cargo run --example tracing --features tracing`.

use std::time::Duration;

use taskgroup::TaskGroup;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .without_time()
        .init();
    let tg = TaskGroup::<String>::builder().name("checkout").build();
    let result = tg
        .run(async {
            let cart = tg.child("load cart").spawn(async {
                tokio::time::sleep(Duration::from_millis(10)).await;
                Ok(3)
            });
            tg.child("reserve stock").spawn(async {
                tokio::time::sleep(Duration::from_millis(500)).await;
                Ok(())
            });
            tg.child("charge card").spawn(async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                Err::<(), _>("card declined".to_string())
            });
            Ok(cart.await)
        })
        .await;
    println!("result: {result:?}");
}
