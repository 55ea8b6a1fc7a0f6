// Start a verification, read its code from otpgate's dev outbox, check it, print the status.
//
//   OTPGATE_URL=http://127.0.0.1:8080 OTPGATE_KEY=og_live_... java Verify.java
// java.net.http only (Java 11+). The JDK has no JSON parser: the two small helpers below read the
// few fields this needs; in an application use your JSON library (Jackson, Gson) instead.
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class Verify {
  static final String BASE = Objects.requireNonNullElse(System.getenv("OTPGATE_URL"), "http://127.0.0.1:8080").replaceAll("/+$", "");
  static final String KEY = Objects.requireNonNull(System.getenv("OTPGATE_KEY"), "set OTPGATE_KEY");
  static final String PHONE = Objects.requireNonNullElse(System.getenv("PHONE"), "+14155550123");
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  /** One API call; an error answer is RFC 9457 problem+json with a stable "code". */
  static String call(String method, String path, String json, Map<String, String> headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(BASE + path))
        .timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + KEY)
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    if (json != null) request.header("Content-Type", "application/json");
    headers.forEach(request::header);
    HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() >= 400) {
      System.err.printf("%s %s: %d %s: %s%n", method, path, response.statusCode(), field(response.body(), "code"), field(response.body(), "detail"));
      System.exit(1);
    }
    return response.body();
  }

  /** The string value of the first "name": "…" in a JSON text. */
  static String field(String json, String name) {
    Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
    return m.find() ? m.group(1) : null;
  }

  /** The JSON string of `value`. */
  static String quote(String value) {
    return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /** The dev outbox stands in for the person reading the SMS and typing the code. */
  static String codeFromOutbox(String verificationId) throws Exception {
    Pattern message = Pattern.compile("\\{[^{}]*\"verification_id\"\\s*:\\s*" + Pattern.quote(quote(verificationId)) + "[^{}]*\\}");
    for (int i = 0; i < 100; i++) {
      String outbox = call("GET", "/v1/outbox?limit=20&to=" + URLEncoder.encode(PHONE, StandardCharsets.UTF_8), null, Map.of());
      Matcher m = message.matcher(outbox);
      if (m.find()) {
        Matcher code = Pattern.compile("\\b(\\d{4,10})\\b").matcher(field(m.group(), "body"));
        if (code.find()) return code.group(1);
      }
      Thread.sleep(100);
    }
    System.err.println("no SMS in the dev outbox");
    System.exit(1);
    return null;
  }

  public static void main(String[] args) throws Exception {
    // An Idempotency-Key makes a retry of this request safe: the same key never sends a second SMS.
    String started = call("POST", "/v1/verifications", "{\"to\":" + quote(PHONE) + "}", Map.of("Idempotency-Key", UUID.randomUUID().toString()));
    String id = field(started, "id");
    System.out.printf("started %s (%s)%n", id, field(started, "status"));
    String code = codeFromOutbox(id);
    String result = call("POST", "/v1/verifications/check", "{\"id\":" + quote(id) + ",\"code\":" + quote(code) + "}", Map.of());
    System.out.println("status: " + field(result, "status"));
    System.exit(result.matches("(?s).*\"valid\"\\s*:\\s*true.*") ? 0 : 1);
  }
}
