//! The `keystep` command line as a library: the commands ([`commands`]), `keystep run`'s
//! child and masking ([`run`]), its loopback proxy ([`proxy`]) and the MCP server of AI
//! assistants ([`mcp`]). The `keystep` binary
//! (`main.rs`) routes to these; the tests call them in-process too.
//!
//! This package is a front end over `keystep-core`, as the window is: the domain never
//! imports it (Cargo enforces that), and it links no window library, so a command starts in
//! milliseconds.

pub mod proxy;
pub mod run;
pub mod commands;
pub mod mcp;
