//! `cfjwt deploy --format cloudformation`: a template (YAML) with the `AWS::CloudFront::Function`
//! (the code inline in `FunctionCode`), the `AWS::CloudFront::KeyValueStore` it reads when asked
//! to declare one, and either the `FunctionAssociations` entry to paste into a cache behavior or,
//! with `--with-distribution`, a minimal distribution that runs the function: an S3 bucket behind
//! origin access control, the bucket policy that lets only this distribution read it, and a cache
//! policy that leaves the token out of the cache key.

use std::fmt::Write as _;

use super::quote::{yaml_code, yaml_comment};
use super::{
    embedded_secret_comment, heading, logical_id, put_key_comment, yaml_quote, Deployment, Format, StoreSource,
    CACHE_POLICY_COMMENT, CACHE_POLICY_LINES,
};

pub(super) fn render(d: &Deployment, embeds_key: bool) -> String {
    let id = logical_id(&d.name, "Function");
    let store_id = match d.store.as_ref().map(|s| &s.source) {
        Some(StoreSource::Create(name)) => Some(logical_id(name, "Store")),
        _ => None,
    };
    // The file's name, in a comment line, with every character that YAML reads as a line break
    // (or refuses in a comment) escaped.
    let mut out = yaml_comment(&heading(d, "#"));
    out.push_str("# FunctionCode carries the file byte for byte: print this again whenever the file changes.\n");
    out.push_str(&embedded_secret_comment(Format::Cloudformation, embeds_key, "#"));
    if let Some(s) = &d.store {
        let lookup = store_id.as_ref().map(|sid| {
            format!(
                "aws cloudformation describe-stacks --stack-name \"${{STACK:?set STACK to the stack name}}\" --query \"Stacks[0].Outputs[?OutputKey=='{sid}Arn'].OutputValue\" --output text"
            )
        });
        out.push_str(&put_key_comment(s, "#", lookup.as_deref()));
    }
    if !d.with_distribution {
        out.push_str("#\n");
        out.push_str("# To run the function, associate it with a cache behavior as viewer request: add this to the\n");
        out.push_str(
            "# DefaultCacheBehavior (or a CacheBehaviors entry) of an AWS::CloudFront::Distribution in this\n",
        );
        writeln!(out, "# template (in another template, the ARN is this one's {id}Arn output):").unwrap();
        out.push_str("#\n");
        for line in association(&id) {
            writeln!(out, "#   {line}").unwrap();
        }
    }
    out.push_str("AWSTemplateFormatVersion: \"2010-09-09\"\n");
    out.push_str("Resources:\n");
    if let (Some(sid), Some(StoreSource::Create(name))) = (&store_id, d.store.as_ref().map(|s| &s.source)) {
        writeln!(out, "  {sid}:").unwrap();
        out.push_str("    Type: AWS::CloudFront::KeyValueStore\n");
        out.push_str("    Properties:\n");
        writeln!(out, "      Name: {}", yaml_quote(name)).unwrap();
    }
    writeln!(out, "  {id}:").unwrap();
    out.push_str("    Type: AWS::CloudFront::Function\n");
    out.push_str("    Properties:\n");
    writeln!(out, "      Name: {}", yaml_quote(&d.name)).unwrap();
    out.push_str("      AutoPublish: true\n");
    out.push_str("      FunctionConfig:\n");
    writeln!(out, "        Comment: {}", yaml_quote(&d.comment)).unwrap();
    writeln!(out, "        Runtime: {}", yaml_quote(d.runtime.name())).unwrap();
    if let Some(s) = &d.store {
        let arn = match (&s.source, &store_id) {
            (StoreSource::Arn(arn), _) => yaml_quote(arn),
            (_, Some(sid)) => format!("!GetAtt {sid}.Arn"),
            (other, None) => unreachable!("prepare gives CloudFormation no {other:?}"),
        };
        out.push_str("        KeyValueStoreAssociations:\n");
        writeln!(out, "          - KeyValueStoreARN: {arn}").unwrap();
    }
    out.push_str("      FunctionCode: ");
    out.push_str(&yaml_code(&d.code, 6));
    if d.with_distribution {
        distribution(&mut out, d, &id);
    }
    out.push_str("Outputs:\n");
    writeln!(out, "  {id}Arn:").unwrap();
    out.push_str("    Description: Associate this function with a cache behavior as viewer request.\n");
    writeln!(out, "    Value: !GetAtt {id}.FunctionARN").unwrap();
    if let Some(sid) = &store_id {
        writeln!(out, "  {sid}Arn:").unwrap();
        out.push_str("    Description: The KeyValueStore's ARN, for the put-key command.\n");
        writeln!(out, "    Value: !GetAtt {sid}.Arn").unwrap();
    }
    if d.with_distribution {
        let base = logical_id(&d.name, "");
        writeln!(out, "  {base}DistributionDomainName:").unwrap();
        out.push_str("    Description: The distribution's domain name.\n");
        writeln!(out, "    Value: !GetAtt {base}Distribution.DomainName").unwrap();
        writeln!(out, "  {base}BucketName:").unwrap();
        out.push_str("    Description: The bucket the distribution serves (its objects need a token).\n");
        writeln!(out, "    Value: !Ref {base}Bucket").unwrap();
    }
    out
}

/// The `FunctionAssociations` entry of a cache behavior that runs function `id` on viewer
/// requests, as lines at the behavior's indentation.
fn association(id: &str) -> [String; 3] {
    [
        "FunctionAssociations:".to_string(),
        "  - EventType: viewer-request".to_string(),
        format!("    FunctionARN: !GetAtt {id}.FunctionARN"),
    ]
}

/// The resources of a minimal distribution that runs function `id` on its default behavior,
/// named after the function.
fn distribution(out: &mut String, d: &Deployment, id: &str) {
    let base = logical_id(&d.name, "");
    let name = yaml_quote(&d.name);
    let (bucket, distribution) = (format!("{base}Bucket"), format!("{base}Distribution"));
    writeln!(out, "  # The content: a private bucket that only the distribution reads, through origin access control.")
        .unwrap();
    writeln!(out, "  {bucket}:").unwrap();
    out.push_str(
        "    Type: AWS::S3::Bucket\n\
         \x20   Properties:\n\
         \x20     PublicAccessBlockConfiguration:\n\
         \x20       BlockPublicAcls: true\n\
         \x20       BlockPublicPolicy: true\n\
         \x20       IgnorePublicAcls: true\n\
         \x20       RestrictPublicBuckets: true\n",
    );
    writeln!(out, "  {bucket}Policy:").unwrap();
    out.push_str("    Type: AWS::S3::BucketPolicy\n    Properties:\n");
    writeln!(out, "      Bucket: !Ref {bucket}").unwrap();
    out.push_str(
        "      PolicyDocument:\n\
         \x20       Version: \"2012-10-17\"\n\
         \x20       Statement:\n\
         \x20         - Effect: Allow\n\
         \x20           Principal:\n\
         \x20             Service: cloudfront.amazonaws.com\n\
         \x20           Action: s3:GetObject\n",
    );
    writeln!(out, "            Resource: !Sub \"${{{bucket}.Arn}}/*\"").unwrap();
    out.push_str("            Condition:\n              StringEquals:\n");
    writeln!(
        out,
        "                AWS:SourceArn: !Sub \"arn:${{AWS::Partition}}:cloudfront::${{AWS::AccountId}}:distribution/${{{distribution}}}\""
    )
    .unwrap();
    writeln!(out, "  {base}OriginAccessControl:").unwrap();
    out.push_str("    Type: AWS::CloudFront::OriginAccessControl\n    Properties:\n");
    out.push_str("      OriginAccessControlConfig:\n");
    writeln!(out, "        Name: {name}").unwrap();
    out.push_str(
        "        OriginAccessControlOriginType: s3\n\
         \x20       SigningBehavior: always\n\
         \x20       SigningProtocol: sigv4\n",
    );
    for line in CACHE_POLICY_LINES {
        writeln!(out, "  # {line}").unwrap();
    }
    writeln!(out, "  {base}CachePolicy:").unwrap();
    out.push_str("    Type: AWS::CloudFront::CachePolicy\n    Properties:\n      CachePolicyConfig:\n");
    writeln!(out, "        Name: {name}").unwrap();
    writeln!(out, "        Comment: {}", yaml_quote(CACHE_POLICY_COMMENT)).unwrap();
    out.push_str(
        "        MinTTL: 1\n\
         \x20       DefaultTTL: 86400\n\
         \x20       MaxTTL: 31536000\n\
         \x20       ParametersInCacheKeyAndForwardedToOrigin:\n\
         \x20         EnableAcceptEncodingGzip: true\n\
         \x20         EnableAcceptEncodingBrotli: true\n\
         \x20         QueryStringsConfig:\n\
         \x20           QueryStringBehavior: none\n\
         \x20         CookiesConfig:\n\
         \x20           CookieBehavior: none\n\
         \x20         HeadersConfig:\n\
         \x20           HeaderBehavior: none\n",
    );
    writeln!(out, "  {distribution}:").unwrap();
    out.push_str("    Type: AWS::CloudFront::Distribution\n    Properties:\n      DistributionConfig:\n");
    out.push_str("        Enabled: true\n");
    writeln!(out, "        Comment: {}", yaml_quote(&format!("{} in front of an S3 bucket", d.name))).unwrap();
    out.push_str("        HttpVersion: http2and3\n        IPV6Enabled: true\n");
    out.push_str("        Origins:\n          - Id: content\n");
    writeln!(out, "            DomainName: !GetAtt {bucket}.RegionalDomainName").unwrap();
    writeln!(out, "            OriginAccessControlId: !GetAtt {base}OriginAccessControl.Id").unwrap();
    out.push_str("            S3OriginConfig:\n              OriginAccessIdentity: \"\"\n");
    out.push_str(
        "        DefaultCacheBehavior:\n\
         \x20         TargetOriginId: content\n\
         \x20         ViewerProtocolPolicy: redirect-to-https\n\
         \x20         AllowedMethods: [GET, HEAD, OPTIONS]\n\
         \x20         CachedMethods: [GET, HEAD]\n",
    );
    writeln!(out, "          CachePolicyId: !Ref {base}CachePolicy").unwrap();
    out.push_str("          Compress: true\n");
    for line in association(id) {
        writeln!(out, "          {line}").unwrap();
    }
}
