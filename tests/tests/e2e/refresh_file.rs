//! The `file` source: dropped files are ingested and moved to `processed/`;
//! bad ones go to `failed/` with a `.reason` file, without stopping the rest.

use zkcity_jobs::settings::SourceKind;
use zkcity_tests::refresh::{manual, refresh_ok, sample};
use zkcity_tests::{TestApp, TestDatabase};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_files_are_ingested_or_rejected_with_a_reason() -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("zkcity-inbox-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("a-traffic.csv"), sample("traffic_generic.csv")?)?;
    std::fs::write(dir.join("b-power.ndjson"), sample("power_generic.ndjson")?)?;
    std::fs::write(
        dir.join("c-broken.ndjson"),
        b"{\"type\":\"traffic_flow_observation\",\"segment_id\":\"x\"}\n",
    )?;
    std::fs::write(dir.join("d-notes.txt"), b"hello")?;
    std::fs::write(dir.join(".e-upload.csv.part"), b"half a file")?;
    let inbox = dir.clone();
    let app = TestApp::spawn_on(TestDatabase::create_empty().await?, move |s| {
        manual(s);
        s.refresh.traffic.source = SourceKind::File;
        s.refresh.traffic.file.dir = Some(inbox);
    })
    .await?;
    let run = refresh_ok(&app, "TRAFFIC").await?;
    assert_eq!(run["status"], "OK", "{run}");
    assert_eq!(run["rowsInserted"], 13, "{run}");
    let note = run["note"].as_str().unwrap_or_default();
    assert!(
        note.contains("b-power.ndjson")
            && note.contains("c-broken.ndjson")
            && note.contains("d-notes.txt"),
        "{note}"
    );

    assert!(dir.join("processed/a-traffic.csv").is_file());
    for name in ["b-power.ndjson", "c-broken.ndjson", "d-notes.txt"] {
        assert!(
            dir.join("failed").join(name).is_file(),
            "{name} not in failed/"
        );
        let reason = std::fs::read_to_string(dir.join("failed").join(format!("{name}.reason")))?;
        assert!(!reason.trim().is_empty());
    }
    let power = std::fs::read_to_string(dir.join("failed/b-power.ndjson.reason"))?;
    assert!(power.contains("not traffic data"), "{power}");
    let broken = std::fs::read_to_string(dir.join("failed/c-broken.ndjson.reason"))?;
    assert!(
        broken.contains("line 1") && broken.contains("missing field"),
        "{broken}"
    );
    assert!(
        dir.join(".e-upload.csv.part").is_file(),
        "temporary files are left alone"
    );
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM clearing_price").await?, 0);

    // Nothing left: the next run writes nothing.
    let again = refresh_ok(&app, "TRAFFIC").await?;
    assert_eq!(again["rowsWritten"], 0, "{again}");
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
