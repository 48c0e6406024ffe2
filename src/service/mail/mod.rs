//! One e-mail, the same way for a saved `.eml`/`.msg`, a body saved as text, and a message
//! fetched from the mailbox, in the window and in the commands: which department and month it
//! is, its received date (the message's Date, in China Standard Time), the body split into the
//! department's rows, each attachment through the return reader, then one transaction that
//! records it all.
//!
//! The department comes from the sender's address (the addresses kept on 责任部门), then the
//! 填报单位 of an attachment, then a department name in the subject or the sender's name. The
//! month comes from the subject, then the attachment, then the body's title line, then the rule "the month before the
//! received date".

mod body;
mod chase;
mod connection;
mod deliver;
mod held;
mod intake;
mod month_sends;
mod outcome;
mod outgoing;
mod record;
mod run;
mod send_back;

pub use chase::*;
pub use connection::*;
pub use deliver::*;
pub use held::*;
pub use intake::*;
pub use month_sends::*;
pub use outcome::*;
pub use outgoing::*;
pub use record::*;
pub use run::*;
pub use send_back::*;
