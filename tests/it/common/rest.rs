//! Seeding and inspecting a test org through its REST API, as an org's users and other
//! integrations would: plain HTTP with a client-credentials token, independent of Vitals'
//! client, so a test's arrangement cannot share a bug with the code under test.

use serde_json::Value;

use super::Org;

/// A REST session on a test org.
pub struct Rest {
    http: reqwest::Client,
    base: String,
    token: String,
}

const API: &str = "/services/data/v66.0";

impl Rest {
    /// Logs in with the emulator's default client credentials.
    pub async fn login(org: &Org) -> Rest {
        Self::login_at(&org.base).await
    }

    /// Logs in to the org served at `base`.
    pub async fn login_at(base: &str) -> Rest {
        let http = reqwest::Client::new();
        let answer: Value = http
            .post(format!("{base}/services/oauth2/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", emulator::state::DEFAULT_CLIENT_ID),
                ("client_secret", emulator::state::DEFAULT_CLIENT_SECRET),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = answer["access_token"].as_str().unwrap().to_owned();
        Rest {
            http,
            base: base.to_owned(),
            token,
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> (u16, Value) {
        let response = request.bearer_auth(&self.token).send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        };
        (status, body)
    }

    /// Creates a record and returns its Id; panics with the org's answer when refused.
    pub async fn create(&self, object: &str, body: Value) -> String {
        let url = format!("{}{API}/sobjects/{object}/", self.base);
        let (status, answer) = self.send(self.http.post(url).json(&body)).await;
        assert_eq!(status, 201, "create {object}: {answer}");
        answer["id"].as_str().unwrap().to_owned()
    }

    /// Updates fields of a record; panics with the org's answer when refused.
    pub async fn update(&self, object: &str, id: &str, body: Value) {
        let url = format!("{}{API}/sobjects/{object}/{id}", self.base);
        let (status, answer) = self.send(self.http.patch(url).json(&body)).await;
        assert_eq!(status, 204, "update {object} {id}: {answer}");
    }

    /// Deletes a record; panics with the org's answer when refused.
    pub async fn delete(&self, object: &str, id: &str) {
        let url = format!("{}{API}/sobjects/{object}/{id}", self.base);
        let (status, answer) = self.send(self.http.delete(url)).await;
        assert_eq!(status, 204, "delete {object} {id}: {answer}");
    }

    /// Every row of a query, all pages.
    pub async fn query(&self, soql: &str) -> Vec<Value> {
        let mut url = format!("{}{API}/query", self.base);
        let mut request = self.http.get(&url).query(&[("q", soql)]);
        let mut rows = Vec::new();
        loop {
            let (status, page) = self.send(request).await;
            assert_eq!(status, 200, "query: {page}");
            rows.extend(page["records"].as_array().unwrap().iter().cloned());
            match page["nextRecordsUrl"].as_str() {
                Some(next) => {
                    url = format!("{}{next}", self.base);
                    request = self.http.get(&url);
                }
                None => return rows,
            }
        }
    }

    /// A record's fields, by Id.
    pub async fn get(&self, object: &str, id: &str) -> Value {
        let url = format!("{}{API}/sobjects/{object}/{id}", self.base);
        let (status, answer) = self.send(self.http.get(url)).await;
        assert_eq!(status, 200, "get {object} {id}: {answer}");
        answer
    }
}
