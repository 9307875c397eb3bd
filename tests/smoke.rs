use taskgroup::TaskGroup;

fn assert_send<T: Send>(_: &T) {}

#[tokio::test]
async fn children_borrow_group_and_locals_and_run_is_send() {
    let data = vec![1, 2, 3];
    let tg = TaskGroup::<()>::new();
    let fut = tg.run(async {
        let a = tg.spawn(async {
            let inner = tg.spawn(async { Ok(data.len()) });
            Ok(inner.await * 10)
        });
        let b = tg.spawn_task(async { Ok(5) });
        Ok(a.await + b.await)
    });
    assert_send(&fut);
    assert_eq!(fut.await, Ok(35));
}

#[tokio::test]
async fn spawned_run_future() {
    let h = tokio::spawn(async {
        let tg = TaskGroup::<()>::new();
        tg.run(async {
            let a = tg.spawn(async { Ok(1) });
            Ok(a.await)
        })
        .await
    });
    assert_eq!(h.await.unwrap(), Ok(1));
}
