//! Open311 client applications (`[[open311.clients]]`): civic apps that file and follow 12345
//! requests with an `api_key`, as GeoReport v2 asks, instead of a person's session. A client
//! files on behalf of the people using it (their name and phone come with the request, for
//! the callback) and reads back only what it filed.

use domain::hotline::{Caller, Ticket};
use sm3::{Digest, Sm3};

use super::tickets::{self, FileTicket, Filer};
use super::{TicketView, decorate};
use crate::{App, AppError, Result};

/// A registered client: its name (shown in the ticket's history) and its key.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct ClientConfig {
    pub name: String,
    pub api_key: String,
}

// The key is never printed.
impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Checked at start: names once each, keys of 24 characters or more, each key once.
pub fn check_config(clients: &[ClientConfig]) -> std::result::Result<(), String> {
    let mut names = std::collections::HashSet::new();
    let mut keys = std::collections::HashSet::new();
    for c in clients {
        let name = c.name.trim();
        if name.is_empty() || name.chars().count() > 40 {
            return Err("[[open311.clients]] name 应为 1 至 40 个字符".into());
        }
        if !names.insert(name) {
            return Err(format!("[[open311.clients]] name “{name}” 重复"));
        }
        if c.api_key.chars().count() < 24 {
            return Err(format!(
                "[[open311.clients]] “{name}” 的 api_key 至少 24 个字符"
            ));
        }
        if !keys.insert(&c.api_key) {
            return Err(format!(
                "[[open311.clients]] “{name}” 的 api_key 与其他客户端相同"
            ));
        }
    }
    Ok(())
}

/// A client whose key was presented: only [`authenticate`] makes one.
#[derive(Debug, Clone)]
pub struct Client {
    name: String,
}

impl Client {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What its tickets carry as their owner (`Ticket::account`): no person's account id.
    pub(crate) fn account(&self) -> String {
        format!("open311:{}", self.name)
    }
}

/// The client an `api_key` belongs to. Keys are compared as SM3 digests, so the comparison
/// takes the same time however much of a key is right; an unknown key is refused.
pub fn authenticate(app: &App, api_key: &str) -> Result<Client> {
    let given = Sm3::digest(api_key.as_bytes());
    app.settings
        .open311_clients
        .iter()
        .find(|c| Sm3::digest(c.api_key.as_bytes()) == given)
        .map(|c| Client {
            name: c.name.trim().to_string(),
        })
        .ok_or_else(|| {
            tracing::warn!(target: "onewindow::open311", "an unknown api_key refused");
            AppError::Forbidden("api_key 无效".into())
        })
}

/// Files a request for someone using the client: their name (may be empty) and phone are as
/// the client gives them; the channel is the API. Attachments are not taken from clients.
pub async fn file(app: &App, client: &Client, name: &str, req: &FileTicket) -> Result<TicketView> {
    let mut req = req.clone();
    req.ticket.caller = Caller {
        name: name.trim().chars().take(30).collect(),
        phone: req.ticket.caller.phone.clone(),
        anonymous: false,
    };
    if !req.ticket.attachments.is_empty() {
        return Err(AppError::field(
            "attachments",
            "not_allowed",
            "通过 Open311 客户端提交的诉求不接收附件",
        ));
    }
    tickets::file_as(app, Filer::Client(client), &req, true).await
}

/// One of the client's own tickets (by id or number); anyone else's is not found.
pub async fn view(app: &App, client: &Client, id: &str) -> Result<TicketView> {
    let mut c = app.store.conn().await?;
    let t = store::hotline::get(&mut c, id)
        .await?
        .map(|s| s.ticket)
        .filter(|t| t.account.as_deref() == Some(client.account().as_str()))
        .ok_or_else(|| AppError::NotFound(format!("工单 {id}")))?;
    drop(c);
    decorate(app, super::own(t), vec![], None).await
}

/// The client's own tickets, newest first (at most 100).
pub async fn list(app: &App, client: &Client) -> Result<Vec<Ticket>> {
    let mut c = app.store.conn().await?;
    let f = store::hotline::Filter {
        account: Some(client.account()),
        ..Default::default()
    };
    Ok(store::hotline::list(&mut c, &f, 100, 0)
        .await?
        .into_iter()
        .map(super::own)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::{ClientConfig, check_config};

    fn client(name: &str, key: &str) -> ClientConfig {
        ClientConfig {
            name: name.into(),
            api_key: key.into(),
        }
    }

    #[test]
    fn clients_need_a_name_and_a_long_key_each_once() {
        let key = "0123456789abcdef01234567";
        assert!(check_config(&[client("随手拍", key)]).is_ok());
        assert!(check_config(&[client(" ", key)]).is_err());
        assert!(check_config(&[client("随手拍", "short-key")]).is_err());
        assert!(
            check_config(&[
                client("随手拍", key),
                client("随手拍", "another-key-0123456789abc")
            ])
            .is_err()
        );
        assert!(check_config(&[client("甲", key), client("乙", key)]).is_err());
        // The key is never printed.
        assert!(!format!("{:?}", client("随手拍", key)).contains(key));
    }
}
