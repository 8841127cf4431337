//! Bulk API 2.0 helpers: raw CSV uploads, polling a job to a state (never sleeping), and
//! reading result files back as rows keyed by a column.

use std::collections::BTreeMap;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{Org, Resp, V, into_resp};

impl Org {
    /// `PUT` a raw body with a content type (job data uploads).
    pub async fn put_raw(&self, path: &str, body: &str, content_type: &str) -> Resp {
        let response = self
            .http
            .request(
                Method::PUT,
                format!("{}/services/data/{V}{path}", self.base),
            )
            .bearer_auth(&self.token)
            .header("Content-Type", content_type)
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        into_resp(response).await
    }

    /// Creates an ingest job and returns its Id.
    pub async fn ingest_job(&self, body: Value) -> String {
        let r = self.post("/jobs/ingest", body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.json["id"].as_str().unwrap().to_owned()
    }

    /// Uploads CSV to an ingest job (201 expected).
    pub async fn upload(&self, id: &str, csv: &str) {
        let r = self
            .put_raw(&format!("/jobs/ingest/{id}/batches"), csv, "text/csv")
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.text, "");
    }

    /// Closes an ingest job (UploadComplete).
    pub async fn close(&self, id: &str) -> Resp {
        self.patch(
            &format!("/jobs/ingest/{id}"),
            json!({"state": "UploadComplete"}),
        )
        .await
    }

    /// Polls job info (`kind` is `ingest` or `query`) until the job is terminal, at most
    /// `max` times; returns the last info and how many polls it took.
    pub async fn poll(&self, kind: &str, id: &str, max: usize) -> (Value, usize) {
        for n in 1..=max {
            let r = self.get(&format!("/jobs/{kind}/{id}")).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            let state = r.json["state"].as_str().unwrap_or_default();
            if matches!(state, "JobComplete" | "Failed" | "Aborted") {
                return (r.json, n);
            }
        }
        panic!("job {id} did not finish within {max} polls");
    }

    /// Creates, uploads, closes and polls an ingest job to its end.
    pub async fn run_ingest(&self, job: Value, csv: &str) -> (String, Value) {
        let id = self.ingest_job(job).await;
        self.upload(&id, csv).await;
        let r = self.close(&id).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let (info, _) = self.poll("ingest", &id, 10).await;
        (id, info)
    }

    /// A result file of an ingest job as raw text (`successfulResults`, `failedResults`,
    /// `unprocessedrecords`).
    pub async fn result_file(&self, id: &str, which: &str) -> String {
        let r = self.get(&format!("/jobs/ingest/{id}/{which}/")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert!(
            r.header("content-type").unwrap().starts_with("text/csv"),
            "{which} content type"
        );
        r.text
    }
}

/// Parses a CSV file (comma, any line ending) into header + rows.
pub fn parse_csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

/// Result rows keyed by the value of `column`, each row as column -> value.
pub fn rows_by(text: &str, column: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let (header, rows) = parse_csv(text);
    let at = header.iter().position(|h| h == column).unwrap();
    rows.into_iter()
        .map(|row| {
            let key = row[at].clone();
            let map = header.iter().cloned().zip(row).collect();
            (key, map)
        })
        .collect()
}
