//! Renderers, one per output format, each turning a [`crate::finding::Report`] into text for
//! people or CI systems. They never decide anything: every verdict is in the report already.

pub mod json;
pub mod junit;
pub mod table;
