//! `cfjwt deploy --format terraform`: an `aws_cloudfront_function` resource (the code in a
//! heredoc, or with `--code file` read by `file()`), the `aws_cloudfront_key_value_store` it
//! reads when asked to declare one (or a reference to a store declared elsewhere), and either the
//! `function_association` block to paste into a cache behavior or, with `--with-distribution`, a
//! minimal distribution that runs the function: an S3 bucket behind origin access control, the
//! bucket policy that lets only this distribution read it, and a cache policy that leaves the
//! token out of the cache key. Laid out as `terraform fmt` lays it out ([`Hcl`]).

use super::quote::hcl_code;
use super::{
    embedded_secret_comment, hcl_quote, heading, put_key_comment, terraform_label, CodeMode, Deployment, Format,
    StoreSource, CACHE_POLICY_COMMENT, CACHE_POLICY_LINES,
};

pub(super) fn render(d: &Deployment, embeds_key: bool) -> String {
    let label = terraform_label(&d.name);
    let function = format!("aws_cloudfront_function.{label}");
    let mut out = heading(d, "#");
    match d.code_mode {
        CodeMode::Inline => {
            out.push_str(
                "# `code` carries the file byte for byte (`${` and `%{` written `$${` and `%%{`, which Terraform\n",
            );
            out.push_str(
                "# reads as the literal text; longer runs as `${\"$$\"}{`): print this again whenever the file changes.\n",
            );
        }
        CodeMode::File => {
            out.push_str(
                "# `code` reads the file when Terraform plans (`file()`, from the module's directory): a new\n",
            );
            out.push_str(
                "# version of the file is a change to apply, and this needs printing again only for new options.\n",
            );
        }
    }
    out.push_str(&embedded_secret_comment(Format::Terraform, embeds_key, "#"));
    // The store's ARN as an expression, and the resource that declares the store, if any.
    let store = d.store.as_ref().map(|s| match &s.source {
        StoreSource::Arn(arn) => (hcl_quote(arn), None),
        StoreSource::Reference(reference) => (reference.clone(), None),
        StoreSource::Create(name) => {
            let store_label = terraform_label(name);
            (format!("aws_cloudfront_key_value_store.{store_label}.arn"), Some((store_label, name)))
        }
    });
    let store_output = format!("{label}_kvs_arn");
    if let Some(s) = &d.store {
        let lookup = match s.source {
            StoreSource::Arn(_) => None,
            _ => Some(format!("terraform output -raw {store_output}")),
        };
        out.push_str(&put_key_comment(s, "#", lookup.as_deref()));
        out.push_str("# (Done outside Terraform, the secret stays out of the Terraform state.)\n");
    }
    let mut hcl = Hcl::default();
    if d.with_distribution {
        hcl.block("terraform");
        hcl.block("required_providers");
        hcl.object("aws");
        hcl.attr("source", "\"hashicorp/aws\"");
        hcl.attr("version", "\">= 5.50\"");
        hcl.end_with("}");
        hcl.end();
        hcl.end();
        hcl.blank();
    }
    if let Some((_, Some((store_label, name)))) = &store {
        hcl.block(&format!("resource \"aws_cloudfront_key_value_store\" \"{store_label}\""));
        hcl.attr("name", hcl_quote(name));
        hcl.end();
        hcl.blank();
    }
    hcl.block(&format!("resource \"aws_cloudfront_function\" \"{label}\""));
    hcl.attr("name", hcl_quote(&d.name));
    hcl.attr("runtime", hcl_quote(d.runtime.name()));
    hcl.attr("comment", hcl_quote(&d.comment));
    hcl.attr("publish", "true");
    if let Some((arn, _)) = &store {
        hcl.attr("key_value_store_associations", format!("[{arn}]"));
    }
    match d.code_mode {
        CodeMode::Inline => hcl.attr("code", hcl_code(&d.code)),
        CodeMode::File => hcl.attr("code", format!("file({})", module_path(&d.file))),
    }
    hcl.end();
    if d.with_distribution {
        distribution(&mut hcl, d, &label, &function);
    }
    hcl.blank();
    hcl.block(&format!("output \"{label}_arn\""));
    hcl.attr("description", "\"Associate this function with a cache behavior as viewer request.\"");
    hcl.attr("value", format!("{function}.arn"));
    hcl.end();
    // The put-key command reads the ARN of a store it is not given from this output.
    let named_store = d.store.as_ref().is_some_and(|s| !matches!(s.source, StoreSource::Arn(_)));
    if let Some((arn, _)) = store.as_ref().filter(|_| named_store) {
        hcl.blank();
        hcl.block(&format!("output \"{store_output}\""));
        hcl.attr("description", "\"The KeyValueStore's ARN, for the put-key command.\"");
        hcl.attr("value", arn.clone());
        hcl.end();
    }
    if d.with_distribution {
        for (name, description, value) in [
            (
                "domain_name",
                "The distribution's domain name.",
                format!("aws_cloudfront_distribution.{label}.domain_name"),
            ),
            (
                "bucket",
                "The bucket the distribution serves (its objects need a token).",
                format!("aws_s3_bucket.{label}.id"),
            ),
        ] {
            hcl.blank();
            hcl.block(&format!("output \"{label}_{name}\""));
            hcl.attr("description", hcl_quote(description));
            hcl.attr("value", value);
            hcl.end();
        }
    }
    out.push_str(&hcl.finish());
    if !d.with_distribution {
        out.push_str(
            "\n# To run the function, associate it with a cache behavior as viewer request: paste this block\n",
        );
        out.push_str(
            "# into the default_cache_behavior (or an ordered_cache_behavior) of your aws_cloudfront_distribution.\n",
        );
        out.push_str("#\n");
        let mut block = Hcl::default();
        association(&mut block, &function);
        for line in block.finish().lines() {
            out.push_str(&format!("#   {line}\n"));
        }
    }
    out
}

/// The argument of `file()` for the function file: relative to the module's directory
/// (`${path.module}/FILE`), or an absolute path as it is.
fn module_path(file: &str) -> String {
    let quoted = hcl_quote(file);
    if file.starts_with('/') {
        quoted
    } else {
        format!("\"${{path.module}}/{}", &quoted[1..])
    }
}

/// The `function_association` block of a cache behavior that runs `function` on viewer requests.
fn association(hcl: &mut Hcl, function: &str) {
    hcl.block("function_association");
    hcl.attr("event_type", "\"viewer-request\"");
    hcl.attr("function_arn", format!("{function}.arn"));
    hcl.end();
}

/// The resources of a minimal distribution that runs `function` on its default behavior, each
/// labelled `label`.
fn distribution(hcl: &mut Hcl, d: &Deployment, label: &str, function: &str) {
    let name = hcl_quote(&d.name);
    hcl.blank();
    hcl.comment("The content: a private bucket that only the distribution reads, through origin access control.");
    hcl.line(&format!("resource \"aws_s3_bucket\" \"{label}\" {{}}"));
    hcl.blank();
    hcl.block(&format!("resource \"aws_s3_bucket_public_access_block\" \"{label}\""));
    hcl.attr("bucket", format!("aws_s3_bucket.{label}.id"));
    for attr in ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"] {
        hcl.attr(attr, "true");
    }
    hcl.end();
    hcl.blank();
    hcl.block(&format!("resource \"aws_cloudfront_origin_access_control\" \"{label}\""));
    hcl.attr("name", name.clone());
    hcl.attr("origin_access_control_origin_type", "\"s3\"");
    hcl.attr("signing_behavior", "\"always\"");
    hcl.attr("signing_protocol", "\"sigv4\"");
    hcl.end();
    hcl.blank();
    for line in CACHE_POLICY_LINES {
        hcl.comment(line);
    }
    hcl.block(&format!("resource \"aws_cloudfront_cache_policy\" \"{label}\""));
    hcl.attr("name", name.clone());
    hcl.attr("comment", hcl_quote(CACHE_POLICY_COMMENT));
    hcl.attr("min_ttl", "1");
    hcl.attr("default_ttl", "86400");
    hcl.attr("max_ttl", "31536000");
    hcl.blank();
    hcl.block("parameters_in_cache_key_and_forwarded_to_origin");
    hcl.attr("enable_accept_encoding_gzip", "true");
    hcl.attr("enable_accept_encoding_brotli", "true");
    hcl.blank();
    for (block, attr) in [
        ("query_strings_config", "query_string_behavior"),
        ("cookies_config", "cookie_behavior"),
        ("headers_config", "header_behavior"),
    ] {
        hcl.block(block);
        hcl.attr(attr, "\"none\"");
        hcl.end();
    }
    hcl.end();
    hcl.end();
    hcl.blank();
    hcl.block(&format!("resource \"aws_cloudfront_distribution\" \"{label}\""));
    hcl.attr("enabled", "true");
    hcl.attr("comment", hcl_quote(&format!("{} in front of an S3 bucket", d.name)));
    hcl.attr("http_version", "\"http2and3\"");
    hcl.attr("is_ipv6_enabled", "true");
    hcl.blank();
    hcl.block("origin");
    hcl.attr("origin_id", "\"content\"");
    hcl.attr("domain_name", format!("aws_s3_bucket.{label}.bucket_regional_domain_name"));
    hcl.attr("origin_access_control_id", format!("aws_cloudfront_origin_access_control.{label}.id"));
    hcl.end();
    hcl.blank();
    hcl.block("default_cache_behavior");
    hcl.attr("target_origin_id", "\"content\"");
    hcl.attr("viewer_protocol_policy", "\"redirect-to-https\"");
    hcl.attr("allowed_methods", "[\"GET\", \"HEAD\", \"OPTIONS\"]");
    hcl.attr("cached_methods", "[\"GET\", \"HEAD\"]");
    hcl.attr("cache_policy_id", format!("aws_cloudfront_cache_policy.{label}.id"));
    hcl.attr("compress", "true");
    hcl.blank();
    association(hcl, function);
    hcl.end();
    hcl.blank();
    hcl.block("restrictions");
    hcl.block("geo_restriction");
    hcl.attr("restriction_type", "\"none\"");
    hcl.end();
    hcl.end();
    hcl.blank();
    hcl.block("viewer_certificate");
    hcl.attr("cloudfront_default_certificate", "true");
    hcl.end();
    hcl.end();
    hcl.blank();
    hcl.comment("CloudFront's service principal may read the bucket, for this distribution only.");
    hcl.block(&format!("data \"aws_iam_policy_document\" \"{label}_bucket\""));
    hcl.block("statement");
    hcl.attr("actions", "[\"s3:GetObject\"]");
    hcl.attr("resources", format!("[\"${{aws_s3_bucket.{label}.arn}}/*\"]"));
    hcl.blank();
    hcl.block("principals");
    hcl.attr("type", "\"Service\"");
    hcl.attr("identifiers", "[\"cloudfront.amazonaws.com\"]");
    hcl.end();
    hcl.blank();
    hcl.block("condition");
    hcl.attr("test", "\"StringEquals\"");
    hcl.attr("variable", "\"AWS:SourceArn\"");
    hcl.attr("values", format!("[aws_cloudfront_distribution.{label}.arn]"));
    hcl.end();
    hcl.end();
    hcl.end();
    hcl.blank();
    hcl.block(&format!("resource \"aws_s3_bucket_policy\" \"{label}\""));
    hcl.attr("bucket", format!("aws_s3_bucket.{label}.id"));
    hcl.attr("policy", format!("data.aws_iam_policy_document.{label}_bucket.json"));
    hcl.end();
}

/// HCL written as `terraform fmt` writes it: two spaces of indentation a level, and the `=` of a
/// run of consecutive attributes aligned one space after the longest name. A run ends at a block,
/// a blank line, a comment, or an attribute whose value spans lines (a heredoc; that attribute is
/// the run's last). Values are HCL text, given as they are.
#[derive(Default)]
struct Hcl {
    out: String,
    depth: usize,
    run: Vec<(String, String)>,
}

impl Hcl {
    fn attr(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        let multiline = value.trim_end_matches('\n').contains('\n');
        self.run.push((name.to_string(), value));
        if multiline {
            self.flush();
        }
    }

    /// Opens an object value: `name = {`, the last of its run.
    fn object(&mut self, name: &str) {
        self.run.push((name.to_string(), "{".to_string()));
        self.flush();
        self.depth += 1;
    }

    /// Opens a block: `header {`.
    fn block(&mut self, header: &str) {
        self.line(&format!("{header} {{"));
        self.depth += 1;
    }

    fn end(&mut self) {
        self.end_with("}");
    }

    /// Closes a block, or an object value opened by an attribute, with `close`.
    fn end_with(&mut self, close: &str) {
        self.flush();
        self.depth -= 1;
        self.line(close);
    }

    fn blank(&mut self) {
        self.flush();
        self.out.push('\n');
    }

    fn comment(&mut self, text: &str) {
        self.line(&format!("# {text}"));
    }

    fn line(&mut self, text: &str) {
        self.flush();
        self.out.push_str(&"  ".repeat(self.depth));
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn flush(&mut self) {
        let width = self.run.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
        for (name, value) in std::mem::take(&mut self.run) {
            let indent = "  ".repeat(self.depth);
            self.out.push_str(&format!("{indent}{name:width$} = {}\n", value.trim_end_matches('\n')));
        }
    }

    fn finish(mut self) -> String {
        self.flush();
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_align_in_runs() {
        let mut hcl = Hcl::default();
        hcl.block("resource \"a\" \"b\"");
        hcl.attr("name", "\"x\"");
        hcl.attr("publish", "true");
        hcl.attr("code", "<<EOF\n  x = 1\nEOF\n");
        hcl.attr("after_the_heredoc", "1");
        hcl.blank();
        hcl.attr("a", "2");
        hcl.block("inner");
        hcl.attr("long_name", "3");
        hcl.end();
        hcl.end();
        assert_eq!(
            hcl.finish(),
            "resource \"a\" \"b\" {\n  name    = \"x\"\n  publish = true\n  code    = <<EOF\n  x = 1\nEOF\n  \
             after_the_heredoc = 1\n\n  a = 2\n  inner {\n    long_name = 3\n  }\n}\n"
        );
    }

    #[test]
    fn the_file_is_read_from_the_module() {
        assert_eq!(module_path("viewer-request.js"), "\"${path.module}/viewer-request.js\"");
        assert_eq!(module_path("../it's ${x}.js"), "\"${path.module}/../it's $${x}.js\"");
        assert_eq!(module_path("/abs/f.js"), "\"/abs/f.js\"");
    }
}
