//! `cfjwt deploy --format cdk`: a complete CDK app in TypeScript (aws-cdk-lib v2: an `App`, a
//! `Stack`, `app.synth()`) with a `cloudfront.Function` that reads the function file when the
//! app is synthesized (`FunctionCode.fromFile`), the KeyValueStore it reads (an existing one by
//! ARN, or a new one), and the `functionAssociations` entry for a cache behavior; with
//! `--with-distribution`, a minimal distribution that runs it: an S3 bucket behind origin access
//! control (whose bucket policy CDK writes), and a cache policy that leaves the token out of the
//! cache key. The part to paste into an existing stack is marked by comments. Every value from
//! the user is a string literal ([`ts_quote`]).

use std::fmt::Write as _;

use super::quote::ts_comment;
use super::{
    embedded_secret_comment, heading, logical_id, pascal, put_key_comment, ts_quote, Deployment, Format, StoreSource,
    CACHE_POLICY_COMMENT, CACHE_POLICY_LINES,
};
use crate::cloudfront::Runtime;

pub(super) fn render(d: &Deployment, embeds_key: bool) -> String {
    let stack = stack_name(&d.name);
    let id = logical_id(&d.name, "Function");
    let store_id = match d.store.as_ref().map(|s| &s.source) {
        Some(StoreSource::Create(name)) => logical_id(name, "Store"),
        _ => logical_id(&d.name, "Store"),
    };
    let mut out = ts_comment(&heading(d, "//"));
    out.push_str(&ts_comment(&format!(
        "// A complete CDK app (aws-cdk-lib v2). FunctionCode.fromFile reads {} when the app is\n",
        d.file
    )));
    out.push_str("// synthesized (a relative path from the directory the app runs in, where cdk.json is): a new\n");
    out.push_str("// version of the file needs no new app. Saved as app.ts beside a package.json with aws-cdk-lib\n");
    out.push_str("// and constructs: `npx tsc && npx cdk deploy --app \"node app.js\"`.\n");
    out.push_str(&embedded_secret_comment(Format::Cdk, embeds_key, "//"));
    if let Some(s) = &d.store {
        let lookup = match s.source {
            StoreSource::Arn(_) => None,
            _ => Some(format!(
                "aws cloudformation describe-stacks --stack-name {stack} --query \"Stacks[0].Outputs[?OutputKey=='{store_id}Arn'].OutputValue\" --output text"
            )),
        };
        out.push_str(&put_key_comment(s, "//", lookup.as_deref()));
    }
    out.push_str("\nimport { App, CfnOutput, Stack, StackProps } from \"aws-cdk-lib\";\n");
    out.push_str("import * as cloudfront from \"aws-cdk-lib/aws-cloudfront\";\n");
    if d.with_distribution {
        out.push_str("import * as origins from \"aws-cdk-lib/aws-cloudfront-origins\";\n");
        out.push_str("import * as s3 from \"aws-cdk-lib/aws-s3\";\n");
    }
    out.push_str("import { Construct } from \"constructs\";\n\n");
    writeln!(out, "export class {stack} extends Stack {{").unwrap();
    out.push_str("  constructor(scope: Construct, id: string, props?: StackProps) {\n");
    out.push_str("    super(scope, id, props);\n\n");
    out.push_str("    // ---- cfjwt deploy: the function; paste from here into your own stack ----\n");
    let store = d.store.as_ref().map(|s| match &s.source {
        StoreSource::Arn(arn) => {
            format!("cloudfront.KeyValueStore.fromKeyValueStoreArn(this, {}, {})", ts_quote(&store_id), ts_quote(arn))
        }
        StoreSource::Create(name) => format!(
            "new cloudfront.KeyValueStore(this, {}, {{ keyValueStoreName: {} }})",
            ts_quote(&store_id),
            ts_quote(name)
        ),
        other => unreachable!("prepare gives CDK no {other:?}"),
    });
    if let Some(store) = &store {
        writeln!(out, "    const jwtStore = {store};").unwrap();
    }
    writeln!(out, "    const jwtFunction = new cloudfront.Function(this, {}, {{", ts_quote(&id)).unwrap();
    writeln!(out, "      functionName: {},", ts_quote(&d.name)).unwrap();
    writeln!(out, "      comment: {},", ts_quote(&d.comment)).unwrap();
    writeln!(out, "      code: cloudfront.FunctionCode.fromFile({{ filePath: {} }}),", ts_quote(&d.file)).unwrap();
    writeln!(out, "      runtime: cloudfront.FunctionRuntime.{},", runtime_constant(d.runtime)).unwrap();
    if store.is_some() {
        out.push_str("      keyValueStore: jwtStore,\n");
    }
    out.push_str("      autoPublish: true,\n");
    out.push_str("    });\n");
    out.push_str(
        "    // The entry of a cache behavior's functionAssociations that runs the function on viewer requests.\n",
    );
    out.push_str("    const jwtAssociation: cloudfront.FunctionAssociation = {\n");
    out.push_str("      function: jwtFunction,\n");
    out.push_str("      eventType: cloudfront.FunctionEventType.VIEWER_REQUEST,\n");
    out.push_str("    };\n");
    writeln!(out, "    new CfnOutput(this, {}, {{ value: jwtFunction.functionArn }});", ts_quote(&format!("{id}Arn")))
        .unwrap();
    if matches!(d.store.as_ref().map(|s| &s.source), Some(StoreSource::Create(_))) {
        writeln!(
            out,
            "    new CfnOutput(this, {}, {{ value: jwtStore.keyValueStoreArn }});",
            ts_quote(&format!("{store_id}Arn"))
        )
        .unwrap();
    }
    out.push_str("    // ---- to here ----\n");
    if d.with_distribution {
        distribution(&mut out, d);
    } else {
        out.push_str("\n    // Then run it on a cache behavior of your distribution:\n");
        out.push_str("    //   defaultBehavior: { origin, functionAssociations: [jwtAssociation], ... }\n");
    }
    out.push_str("  }\n}\n\n");
    out.push_str("const app = new App();\n");
    writeln!(out, "new {stack}(app, {});", ts_quote(&stack)).unwrap();
    out.push_str("app.synth();\n");
    out
}

/// A minimal distribution that runs the function on its default behavior.
fn distribution(out: &mut String, d: &Deployment) {
    let base = pascal(&d.name);
    out.push_str("\n    // The content: a private bucket that only the distribution reads, through origin access\n");
    out.push_str(
        "    // control (CDK writes the bucket policy: CloudFront's service principal, this distribution only).\n",
    );
    writeln!(out, "    const bucket = new s3.Bucket(this, {}, {{", ts_quote(&format!("{base}Bucket"))).unwrap();
    out.push_str("      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,\n");
    out.push_str("      enforceSSL: true,\n");
    out.push_str("    });\n");
    for line in CACHE_POLICY_LINES {
        writeln!(out, "    // {line}").unwrap();
    }
    writeln!(
        out,
        "    const cachePolicy = new cloudfront.CachePolicy(this, {}, {{",
        ts_quote(&format!("{base}CachePolicy"))
    )
    .unwrap();
    writeln!(out, "      comment: {},", ts_quote(CACHE_POLICY_COMMENT)).unwrap();
    out.push_str(
        "      queryStringBehavior: cloudfront.CacheQueryStringBehavior.none(),\n\
         \x20     cookieBehavior: cloudfront.CacheCookieBehavior.none(),\n\
         \x20     headerBehavior: cloudfront.CacheHeaderBehavior.none(),\n\
         \x20     enableAcceptEncodingGzip: true,\n\
         \x20     enableAcceptEncodingBrotli: true,\n\
         \x20   });\n",
    );
    writeln!(
        out,
        "    const distribution = new cloudfront.Distribution(this, {}, {{",
        ts_quote(&format!("{base}Distribution"))
    )
    .unwrap();
    writeln!(out, "      comment: {},", ts_quote(&format!("{} in front of an S3 bucket", d.name))).unwrap();
    out.push_str(
        "      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,\n\
         \x20     defaultBehavior: {\n\
         \x20       origin: origins.S3BucketOrigin.withOriginAccessControl(bucket),\n\
         \x20       viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,\n\
         \x20       allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,\n\
         \x20       cachePolicy,\n\
         \x20       functionAssociations: [jwtAssociation],\n\
         \x20     },\n\
         \x20   });\n",
    );
    writeln!(
        out,
        "    new CfnOutput(this, {}, {{ value: distribution.distributionDomainName }});",
        ts_quote(&format!("{base}DistributionDomainName"))
    )
    .unwrap();
    writeln!(
        out,
        "    new CfnOutput(this, {}, {{ value: bucket.bucketName }});",
        ts_quote(&format!("{base}BucketName"))
    )
    .unwrap();
}

/// The stack's class name and id (its CloudFormation name): the function's name in PascalCase
/// and `Stack`, starting with a letter, as both need.
fn stack_name(name: &str) -> String {
    let base = pascal(name);
    if base.starts_with(|c: char| c.is_ascii_alphabetic()) {
        format!("{base}Stack")
    } else {
        format!("Cfjwt{base}Stack")
    }
}

fn runtime_constant(runtime: Runtime) -> &'static str {
    match runtime {
        Runtime::Js1 => "JS_1_0",
        Runtime::Js2 => "JS_2_0",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_names_start_with_a_letter() {
        assert_eq!(stack_name("jwt-check"), "JwtCheckStack");
        assert_eq!(stack_name("1st"), "Cfjwt1stStack");
        assert_eq!(stack_name("_"), "CfjwtStack");
        assert_eq!(runtime_constant(Runtime::Js1), "JS_1_0");
    }
}
