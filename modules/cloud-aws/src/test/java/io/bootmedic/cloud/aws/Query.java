package io.bootmedic.cloud.aws;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parameters of an AWS query-protocol request (EC2, STS, Auto Scaling: a form-encoded POST
 * body as botocore's query and ec2 serializers write it, lists flattened as Name.1, Name.2 ...).
 */
final class Query {
    final Map<String, String> params = new LinkedHashMap<>();

    Query(String body) {
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.put(k, v);
        }
    }

    String get(String name) {
        return params.get(name);
    }

    boolean flag(String name) {
        return "true".equalsIgnoreCase(params.get(name));
    }

    /** PREFIX.1, PREFIX.2, ... (SUFFIX appended: "Tag" + ".Key"). */
    List<String> list(String prefix, String suffix) {
        List<String> out = new ArrayList<>();
        for (int i = 1; params.containsKey(prefix + "." + i + suffix); i++) {
            out.add(params.get(prefix + "." + i + suffix));
        }
        return out;
    }

    List<String> list(String prefix) {
        return list(prefix, "");
    }

    /** Tags of a TagSpecification for RESOURCE_TYPE (EC2 serializer: TagSpecification.N.Tag.M.Key). */
    Map<String, String> tagSpec(String resourceType) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (int n = 1; params.containsKey("TagSpecification." + n + ".ResourceType"); n++) {
            if (resourceType.equals(params.get("TagSpecification." + n + ".ResourceType"))) {
                tags.putAll(tags("TagSpecification." + n + ".Tag"));
            }
        }
        return tags;
    }

    Map<String, String> tags(String prefix) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (int m = 1; params.containsKey(prefix + "." + m + ".Key"); m++) {
            tags.put(params.get(prefix + "." + m + ".Key"), params.getOrDefault(prefix + "." + m + ".Value", ""));
        }
        return tags;
    }

    /** Filter.N.Name -> Filter.N.Value.M values. */
    Map<String, List<String>> filters() {
        Map<String, List<String>> f = new LinkedHashMap<>();
        for (int n = 1; params.containsKey("Filter." + n + ".Name"); n++) {
            f.put(params.get("Filter." + n + ".Name"), list("Filter." + n + ".Value"));
        }
        return f;
    }
}
