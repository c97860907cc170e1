//! fabcheck: conformance checks for Hyperledger Fabric networks.
//!
//! The flow, top to bottom: `main.rs` and [`cli`] parse arguments into a [`commands::Config`];
//! a [`commands`] module orchestrates one command; the domain gathers an [`inventory`] (from
//! artifacts, a cluster through [`kube`], live endpoints through [`probe`]), runs the [`checks`]
//! into [`finding`]s, and a [`report`] renderer writes them — or [`deploy`]s a [`network`], or
//! runs the [`incluster`] probe. Imports only point down these layers (`tests/layering.rs`).

pub mod catalogue;
pub mod checks;
pub mod cli;
pub mod commands;
pub mod context;
pub mod deploy;
pub mod exit;
pub mod finding;
#[doc(hidden)]
pub mod fuzzing;
pub mod incluster;
pub mod inventory;
pub mod kube;
pub mod network;
pub mod probe;
pub mod report;
pub mod waiver;
pub mod yaml;
