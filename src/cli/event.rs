//! `cfjwt event`: prints the event CloudFront would give a function for a URL, pretty-printed, in
//! the `aws cloudfront test-function` format that `cfjwt test` reads.

use super::{print, Outcome};
use crate::runtime::event::{self, UrlRequest};

pub(super) fn run(request: &UrlRequest) -> anyhow::Result<Outcome> {
    let event = event::from_url(request)?;
    let mut text = serde_json::to_string_pretty(event.json()).expect("an event is JSON");
    text.push('\n');
    print(text)?;
    Ok(Outcome::Done)
}
