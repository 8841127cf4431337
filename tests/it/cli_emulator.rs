//! `vitals emulator`: the command serves the emulator crate's org on loopback, and
//! `--clock` pins a generated org so the same seed builds the same records on any day.

/// The API version the tests pin.
const V: &str = "v66.0";

/// Starts `vitals emulator` with `args` on a free port, reads the first Account's Name and
/// CreatedDate, and stops it.
async fn first_generated_account(args: &[&str]) -> (String, String) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_vitals"))
        .args(["emulator", "--port", "0"])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    // The rest of its output is drained, or its next println! would fail on a closed pipe.
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut reader = std::io::BufReader::new(stdout);
        let mut line = String::new();
        let _ = reader.read_line(&mut line);
        let _ = tx.send(line);
        let _ = std::io::copy(&mut reader, &mut std::io::sink());
    });
    let first = rx.await.unwrap();
    let base = first
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap()
        .to_owned();
    let http = reqwest::Client::new();
    let token: serde_json::Value = http
        .post(format!("{base}/services/oauth2/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "vitals-emulator-client"),
            ("client_secret", "vitals-emulator-secret"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r: serde_json::Value = http
        .get(format!(
            "{base}/services/data/{V}/query?q=SELECT+Name,CreatedDate+FROM+Account+ORDER+BY+Name+LIMIT+1"
        ))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let record = &r["records"][0];
    (
        record["Name"].as_str().unwrap().to_owned(),
        record["CreatedDate"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn clock_flag_pins_a_generated_org() {
    let args = [
        "--accounts",
        "2",
        "--seed",
        "7",
        "--clock",
        "2026-03-02T12:00:00Z",
    ];
    let first = first_generated_account(&args).await;
    let second = first_generated_account(&args).await;
    assert_eq!(first, second);
    assert!(
        first.1.as_str() < "2026-03-02T12:00:00.000+0000",
        "{first:?}"
    );
    // A date alone pins midnight UTC; nonsense is refused with exit code 2.
    let date = first_generated_account(&["--accounts", "1", "--clock", "2026-03-02"]).await;
    assert!(
        date.1.as_str() <= "2026-03-02T00:00:00.000+0000",
        "{date:?}"
    );
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_vitals"))
        .args(["emulator", "--port", "0", "--clock", "yesterday"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2));
}
