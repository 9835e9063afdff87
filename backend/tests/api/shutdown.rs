//! Graceful shutdown: a request in flight when the shutdown starts still completes.
use crate::common;

use std::time::Duration;

use common::TestApp;
use sqlx::PgPool;

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn shutdown_finishes_the_request_in_flight(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let pow = app.solved().await;
    // Hold a lock that makes the insert wait, so the request is in flight.
    let mut blocker = pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE listings IN EXCLUSIVE MODE")
        .execute(&mut *blocker)
        .await
        .unwrap();
    let request = app
        .post_request(&pow)
        .header("content-type", "application/json")
        .body(r#"{"body":"in flight"}"#);
    let in_flight = tokio::spawn(async move { request.send().await.map(|r| r.status().as_u16()) });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let addr = app.addr;
    let stopping = tokio::spawn(app.stop());
    tokio::time::sleep(Duration::from_millis(300)).await;
    // New connections are no longer accepted while the old request drains.
    assert!(reqwest::get(format!("http://{addr}/healthz"))
        .await
        .is_err());
    blocker.commit().await.unwrap();
    assert_eq!(in_flight.await.unwrap().unwrap(), 201);
    stopping.await.unwrap().unwrap();
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM listings")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn shutdown_does_not_wait_for_a_connection_that_sent_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let silent = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    // A request on another connection, so the silent one has surely been accepted.
    assert_eq!(
        reqwest::get(format!("http://{}/healthz", app.addr))
            .await
            .unwrap()
            .status(),
        200
    );
    // The header deadline would close it in the end; shutdown must not wait for that.
    tokio::time::timeout(powboard::server::HEADER_READ_TIMEOUT / 2, app.stop())
        .await
        .expect("shutdown waited for a connection that never sent a request")
        .unwrap();
    drop(silent);
}
