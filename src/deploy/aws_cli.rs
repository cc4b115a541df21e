//! `cfjwt deploy --format aws-cli`: the `aws cloudfront` commands that create, update and publish
//! the function, reading the code from the file (`fileb://`). Each command is a paragraph that
//! starts with its comment, so a script can run the ones it needs (examples/ci/deploy.yml).

use std::fmt::Write as _;

use super::{embedded_secret_comment, heading, put_key_explanation, put_key_lines, shell_quote, Deployment, Format};

pub(super) fn render(d: &Deployment, embeds_key: bool) -> String {
    let mut out = heading(d, "#");
    out.push_str("# The AWS CLI reads the code from the file itself (fileb://), byte for byte.\n");
    out.push_str(&embedded_secret_comment(Format::AwsCli, embeds_key, "#"));
    let name = shell_quote(&d.name);
    let code = shell_quote(&format!("fileb://{}", d.file));
    let etag = format!("\"$(aws cloudfront describe-function --name {name} --query ETag --output text)\"");
    let mut config = serde_json::Map::new();
    config.insert("Comment".into(), d.comment.clone().into());
    config.insert("Runtime".into(), d.runtime.name().into());
    let arn = d.store.as_ref().map(|s| match &s.source {
        super::StoreSource::Arn(arn) => arn.clone(),
        other => unreachable!("prepare gives the AWS CLI only a store's ARN, not {other:?}"),
    });
    if let Some(arn) = &arn {
        config.insert(
            "KeyValueStoreAssociations".into(),
            serde_json::json!({ "Quantity": 1, "Items": [{ "KeyValueStoreARN": arn }] }),
        );
    }
    let config = shell_quote(&serde_json::Value::Object(config).to_string());
    if let Some(s) = &d.store {
        out.push('\n');
        for line in put_key_explanation(s) {
            writeln!(out, "# {line}").unwrap();
        }
        for line in put_key_lines(s, None) {
            writeln!(out, "{line}").unwrap();
        }
    }
    writeln!(out, "\n# The first time: create the function (in the DEVELOPMENT stage).").unwrap();
    writeln!(out, "aws cloudfront create-function --name {name} \\").unwrap();
    writeln!(out, "  --function-config {config} \\").unwrap();
    writeln!(out, "  --function-code {code}").unwrap();
    writeln!(out, "\n# Later versions: update it instead.").unwrap();
    writeln!(out, "aws cloudfront update-function --name {name} \\").unwrap();
    writeln!(out, "  --if-match {etag} \\").unwrap();
    writeln!(out, "  --function-config {config} \\").unwrap();
    writeln!(out, "  --function-code {code}").unwrap();
    writeln!(out, "\n# Then publish it (LIVE stage); associate it with a cache behavior as viewer request.").unwrap();
    writeln!(out, "aws cloudfront publish-function --name {name} \\").unwrap();
    writeln!(out, "  --if-match {etag}").unwrap();
    out
}
