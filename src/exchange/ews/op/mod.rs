//! One file per EWS operation, each a request type tied to what one of its response messages
//! carries by [`Operation`]. Shared element types live in `types`, scalar values in `values`;
//! operation files never import each other.

pub mod create_item;
pub mod delete_item;
pub mod find_item;
pub mod get_folder;
pub mod get_item;
pub mod sync_folder_items;
pub mod types;
pub mod update_item;
pub mod values;

use crate::exchange::ExchangeError;
use crate::exchange::ews::xml::{Element, XmlWriter};
use types::ParseContext;

/// An EWS operation: how to write its request and how to read one of its response messages.
pub trait Operation {
    /// The operation's element name (`GetItem`); its answer is `<NAME>Response`.
    const NAME: &'static str;
    /// Whether services.wsdl lets the operation carry a `TimeZoneContext` header.
    const TIME_ZONE_CONTEXT: bool;
    /// What one Success or Warning response message carries.
    type Response;

    /// The attributes of the operation element (`MessageDisposition`, `Traversal`, …).
    fn attributes(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// Writes the children of the operation element.
    fn write_body(&self, w: &mut XmlWriter);

    /// Reads the content of one response message (`…ResponseMessage` at `path`).
    fn read_message(message: &Element, path: &str, ctx: &ParseContext) -> Result<Self::Response, ExchangeError>;
}
