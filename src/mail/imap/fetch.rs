//! Reading the folder's new messages: the list of UIDs, their sizes and Message-IDs in one
//! exchange per hundred, then the bodies, many small ones per exchange (one round trip for a
//! month of returns), each cut at [`super::MAX_MESSAGE`] + 1 bytes whatever it
//! declared; a batch the server answers with more than it declared is read again one by one
//! on a new connection.

use std::collections::HashMap;
use std::time::Duration;

use super::{
    Account, CHUNK, Connection, Delivery, Fetched, HEADERS, Known, LIST, OVERHEAD, SHORT, examine,
    header_message_id, open,
};
use crate::mail::net::{EXCHANGE, Guard, Overrun};
use crate::mail::{MAX_MESSAGE, MailboxError};

/// Messages whose bodies are asked for in one exchange, and the most their declared sizes may
/// add up to: one round trip for a month of returns, never much held at once.
const BATCH: usize = 32;
const BATCH_BYTES: u64 = 8 * 1024 * 1024;

/// The declared size and Message-ID of each UID.
fn sizes_and_ids(
    connection: &mut Connection,
    uids: &[u32],
) -> Result<HashMap<u32, (u64, Option<String>)>, MailboxError> {
    let mut found = HashMap::new();
    for chunk in uids.chunks(CHUNK) {
        let set = chunk
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        connection
            .guard
            .begin("邮件大小和编号的列表", LIST, LIST, EXCHANGE);
        let fetches = connection
            .session
            .uid_fetch(
                &set,
                "(UID RFC822.SIZE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])",
            )
            .map_err(|e| connection.fail(&e))?;
        for fetch in fetches.iter() {
            if let Some(uid) = fetch.uid {
                let size = fetch.size.map_or(0, u64::from);
                found.insert(uid, (size, fetch.header().and_then(header_message_id)));
            }
        }
    }
    Ok(found)
}

/// A message's headers (the first [`HEADERS`] bytes of them).
fn headers_of(connection: &mut Connection, uid: u32) -> Result<Vec<u8>, MailboxError> {
    connection.guard.begin(
        &format!("邮件（UID {uid}）的邮件头"),
        HEADERS + OVERHEAD,
        HEADERS + OVERHEAD,
        EXCHANGE,
    );
    let fetches = connection
        .session
        .uid_fetch(
            uid.to_string(),
            format!("(UID BODY.PEEK[HEADER]<0.{HEADERS}>)"),
        )
        .map_err(|e| connection.fail(&e))?;
    Ok(fetches
        .iter()
        .find(|f| f.uid == Some(uid))
        .and_then(|f| f.header())
        .map(<[u8]>::to_vec)
        .unwrap_or_default())
}

/// A message's headers; when the server sends more than asked for them, none (on a new
/// connection), so that one message cannot block the mailbox.
fn headers_or_none(
    mut connection: Connection,
    uid: u32,
    reopen: &dyn Fn(Connection) -> Result<Connection, MailboxError>,
) -> Result<(Connection, Vec<u8>), MailboxError> {
    match headers_of(&mut connection, uid) {
        Ok(headers) => Ok((connection, headers)),
        Err(MailboxError::Misbehaved {
            overrun: Overrun::TooMuch { .. } | Overrun::Line { .. },
            ..
        }) => Ok((reopen(connection)?, Vec::new())),
        Err(error) => Err(error),
    }
}

/// What arrived for one message asked for in full.
enum Body {
    Bytes(Vec<u8>),
    Missing,
    /// The server sent more than asked: the connection is spent.
    Overrun,
}

/// Fetches at most [`MAX_MESSAGE`] + 1 bytes of a message, whatever it declared.
fn body_of(connection: &mut Connection, uid: u32) -> Result<Body, MailboxError> {
    let limit = MAX_MESSAGE + 1;
    connection.guard.begin(
        &format!("邮件（UID {uid}）"),
        limit + OVERHEAD,
        limit + OVERHEAD,
        connection.guard.time_left(),
    );
    let fetched = connection
        .session
        .uid_fetch(uid.to_string(), format!("(UID BODY.PEEK[]<0.{limit}>)"));
    let fetches = match fetched {
        Ok(fetches) => fetches,
        Err(error) => {
            let failed = connection.fail(&error);
            return match &failed {
                MailboxError::Misbehaved {
                    overrun: Overrun::TooMuch { .. } | Overrun::Line { .. },
                    ..
                } => Ok(Body::Overrun),
                _ => Err(failed),
            };
        }
    };
    Ok(fetches
        .iter()
        .find(|f| f.uid == Some(uid))
        .and_then(|f| f.body())
        .map_or(Body::Missing, |body| Body::Bytes(body.to_vec())))
}

/// Reads the folder's new messages (after the mark, or all of them when the UIDVALIDITY
/// changed), one by one, each handed to `each` as it arrives; `each` returns whether to go
/// on (the user may cancel). Ends at `deadline` with an error whose
/// [`MailboxError::is_deadline`] is true: what was handed on stays handed on.
pub fn fetch_new(
    account: &Account,
    known: &Known,
    deadline: Duration,
    each: &mut dyn FnMut(usize, usize, Fetched) -> bool,
) -> Result<(), MailboxError> {
    let guard = Guard::new(deadline);
    let mut connection = open(account, &guard)?;
    let (uid_validity, any) = examine(&mut connection, &account.folder)?;
    let reopen = |connection: Connection| -> Result<Connection, MailboxError> {
        drop(connection);
        let mut connection = open(account, &guard)?;
        let (validity, _) = examine(&mut connection, &account.folder)?;
        if validity != uid_validity {
            return Err(MailboxError::Lost(format!(
                "{} 的文件夹在读取中途改变了 UIDVALIDITY",
                connection.server
            )));
        }
        Ok(connection)
    };
    let same_folder = known
        .mark
        .is_some_and(|(validity, _)| validity == uid_validity);
    let after = match known.mark {
        Some((_, last)) if same_folder => last,
        _ => 0,
    };
    let mut uids: Vec<u32> = if any {
        connection.guard.begin("邮件列表", LIST, LIST, EXCHANGE);
        connection
            .session
            .uid_search(format!("UID {}:*", after.saturating_add(1)))
            .map_err(|e| connection.fail(&e))?
            .into_iter()
            // `N:*` always includes the last message, even when it is below N.
            .filter(|uid| *uid > after)
            .filter(|uid| !(same_folder && known.uids.contains(uid)))
            .collect()
    } else {
        Vec::new()
    };
    uids.sort_unstable();
    // A list the server garbles (a size past any number, a broken answer) must not block the
    // mailbox: read on without it, every message then fetched as its first 24 MB + 1 bytes.
    let listed = match sizes_and_ids(&mut connection, &uids) {
        Ok(listed) => listed,
        Err(error @ MailboxError::Misbehaved { .. }) => return Err(error),
        Err(_) => {
            connection = reopen(connection)?;
            HashMap::new()
        }
    };
    let total = uids.len();
    let mut index = 0;
    // Messages up to this index are read one by one (their batch was answered with more
    // than declared).
    let mut one_by_one_until = 0;
    while index < total {
        if connection.guard.past_deadline() {
            return Err(MailboxError::Misbehaved {
                server: connection.server.clone(),
                overrun: Overrun::Deadline(deadline),
            });
        }
        let batch = if index >= one_by_one_until {
            next_batch(&uids[index..], &listed, known)
        } else {
            Vec::new()
        };
        if batch.len() > 1 {
            match bodies_of(&mut connection, &batch)? {
                Some(mut bodies) => {
                    for &(uid, size) in &batch {
                        let delivery = match bodies.remove(&uid) {
                            Some(bytes) if bytes.len() as u64 > MAX_MESSAGE => {
                                let (kept, headers) = headers_or_none(connection, uid, &reopen)?;
                                connection = kept;
                                Delivery::TooLarge {
                                    size: size.max(bytes.len() as u64),
                                    headers,
                                    sent_past: false,
                                }
                            }
                            Some(bytes) => Delivery::Whole(bytes),
                            None => Delivery::Missing,
                        };
                        let fetched = Fetched {
                            uid_validity,
                            uid,
                            size,
                            delivery,
                        };
                        if !each(index, total, fetched) {
                            logout(connection);
                            return Ok(());
                        }
                        index += 1;
                    }
                    continue;
                }
                None => {
                    connection = reopen(connection)?;
                    one_by_one_until = index + batch.len();
                }
            }
        }
        let uid = uids[index];
        let (size, message_id) = listed.get(&uid).cloned().unwrap_or((0, None));
        let delivery;
        (connection, delivery) = one_message(connection, uid, size, message_id, known, &reopen)?;
        let fetched = Fetched {
            uid_validity,
            uid,
            size,
            delivery,
        };
        if !each(index, total, fetched) {
            break;
        }
        index += 1;
    }
    logout(connection);
    Ok(())
}

fn logout(mut connection: Connection) {
    connection.guard.begin("退出的应答", SHORT, SHORT, EXCHANGE);
    let _ = connection.session.logout();
}

/// The run of messages from the first of `uids` that can be asked for together: listed with a
/// size, not too large and not known; at most [`BATCH`] of them and [`BATCH_BYTES`] in all
/// (the first always). Empty when the first is not such a message.
fn next_batch(
    uids: &[u32],
    listed: &HashMap<u32, (u64, Option<String>)>,
    known: &Known,
) -> Vec<(u32, u64)> {
    let mut batch = Vec::new();
    let mut bytes = 0;
    for &uid in uids.iter().take(BATCH) {
        let plain = listed.get(&uid).filter(|(size, message_id)| {
            *size > 0
                && *size <= MAX_MESSAGE
                && !message_id
                    .as_ref()
                    .is_some_and(|id| known.message_ids.contains(id))
        });
        let Some((size, _)) = plain else {
            break;
        };
        if !batch.is_empty() && bytes + size > BATCH_BYTES {
            break;
        }
        bytes += size;
        batch.push((uid, *size));
    }
    batch
}

/// The bodies of several messages in one exchange, each cut at [`MAX_MESSAGE`] + 1 bytes;
/// `None` when the server sent more than their declared sizes (the connection is then spent).
fn bodies_of(
    connection: &mut Connection,
    batch: &[(u32, u64)],
) -> Result<Option<HashMap<u32, Vec<u8>>>, MailboxError> {
    let limit = MAX_MESSAGE + 1;
    let declared: u64 = batch.iter().map(|(_, size)| size).sum();
    connection.guard.begin(
        &format!("{} 封邮件", batch.len()),
        declared + OVERHEAD * (batch.len() as u64 + 1),
        limit + OVERHEAD,
        connection.guard.time_left(),
    );
    let set = batch
        .iter()
        .map(|(uid, _)| uid.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let fetches = match connection
        .session
        .uid_fetch(&set, format!("(UID BODY.PEEK[]<0.{limit}>)"))
    {
        Ok(fetches) => fetches,
        Err(error) => {
            let failed = connection.fail(&error);
            return match &failed {
                MailboxError::Misbehaved {
                    overrun: Overrun::TooMuch { .. } | Overrun::Line { .. },
                    ..
                } => Ok(None),
                _ => Err(failed),
            };
        }
    };
    let mut bodies = HashMap::new();
    for fetch in fetches.iter() {
        if let (Some(uid), Some(body)) = (fetch.uid, fetch.body())
            && batch.iter().any(|(wanted, _)| *wanted == uid)
        {
            bodies.insert(uid, body.to_vec());
        }
    }
    Ok(Some(bodies))
}

/// One message asked for by itself: known by its Message-ID, too large (its headers only),
/// or its body.
fn one_message(
    mut connection: Connection,
    uid: u32,
    size: u64,
    message_id: Option<String>,
    known: &Known,
    reopen: &dyn Fn(Connection) -> Result<Connection, MailboxError>,
) -> Result<(Connection, Delivery), MailboxError> {
    if let Some(message_id) = message_id.filter(|id| known.message_ids.contains(id)) {
        return Ok((connection, Delivery::Known { message_id }));
    }
    if size > MAX_MESSAGE {
        let (kept, headers) = headers_or_none(connection, uid, reopen)?;
        return Ok((
            kept,
            Delivery::TooLarge {
                size,
                headers,
                sent_past: false,
            },
        ));
    }
    Ok(match body_of(&mut connection, uid)? {
        Body::Bytes(bytes) if bytes.len() as u64 > MAX_MESSAGE => {
            let (kept, headers) = headers_or_none(connection, uid, reopen)?;
            (
                kept,
                Delivery::TooLarge {
                    size: size.max(bytes.len() as u64),
                    headers,
                    sent_past: false,
                },
            )
        }
        Body::Bytes(bytes) => (connection, Delivery::Whole(bytes)),
        Body::Missing => (connection, Delivery::Missing),
        Body::Overrun => {
            // The server sent more than it was asked for: read the headers on a new
            // connection and go on.
            let (kept, headers) = headers_or_none(reopen(connection)?, uid, reopen)?;
            (
                kept,
                Delivery::TooLarge {
                    size: size.max(MAX_MESSAGE + 1),
                    headers,
                    sent_past: true,
                },
            )
        }
    })
}
