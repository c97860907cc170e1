//! Renderers, one per output format, each turning a [`crate::finding::Report`] into text for
//! people or CI systems. They never decide anything: every verdict is in the report already.
//! [`observed`] puts what a run saw besides its verdicts (certificates, handshake timings, the
//! topology) into the report when it is assembled.

pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod observed;
pub mod prometheus;
pub mod sarif;
pub mod table;
