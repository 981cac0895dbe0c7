package org.flowlab.core.tracking;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * MLflow's REST API over the JDK {@link HttpClient}, with a connect timeout and a deadline on every
 * whole exchange (headers and body): a server that accepts connections and never answers costs at
 * most the deadline, never a hang. No retries here: the sender tries again later.
 *
 * <p>Credentials come from {@code MLFLOW_TRACKING_TOKEN} or {@code MLFLOW_TRACKING_USERNAME}/{@code
 * MLFLOW_TRACKING_PASSWORD}, as in MLflow's own clients.
 */
final class MlflowRest {
  private static final String API = "/api/2.0/mlflow/";

  private final String trackingUri;
  private final HttpClient http;
  private final Duration requestTimeout;
  private final Duration probeTimeout;
  private final String authHeader;
  private final Map<String, AtomicLong> requestsByThread = new ConcurrentHashMap<>();

  /** An answer other than 2xx: the status and MLflow's error code and message. */
  static final class HttpError extends IOException {
    final int status;
    final String body;

    HttpError(int status, String what, String body) {
      super(what + ": HTTP " + status + " " + firstLine(body));
      this.status = status;
      this.body = body == null ? "" : body;
    }

    /** True for errors worth retrying later (5xx, 429); false when MLflow rejected the request. */
    boolean transientError() {
      return status >= 500 || status == 429;
    }

    boolean hasCode(String errorCode) {
      return body.contains(errorCode);
    }
  }

  MlflowRest(String trackingUri, Duration connectTimeout, Duration requestTimeout) {
    this.trackingUri = trackingUri;
    this.requestTimeout = requestTimeout;
    // /health does no work: a server that takes longer than this to answer it is not answering.
    this.probeTimeout = connectTimeout.plus(connectTimeout.dividedBy(2));
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(connectTimeout)
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
    String token = System.getenv("MLFLOW_TRACKING_TOKEN");
    String user = System.getenv("MLFLOW_TRACKING_USERNAME");
    String password = System.getenv("MLFLOW_TRACKING_PASSWORD");
    if (token != null && !token.isEmpty()) {
      authHeader = "Bearer " + token;
    } else if (user != null && !user.isEmpty()) {
      authHeader =
          "Basic "
              + Base64.getEncoder()
                  .encodeToString(
                      (user + ":" + (password == null ? "" : password))
                          .getBytes(StandardCharsets.UTF_8));
    } else {
      authHeader = null;
    }
  }

  String trackingUri() {
    return trackingUri;
  }

  /** GET {@code /api/2.0/mlflow/<method>?<query>} (query already encoded, may be empty). */
  JsonNode get(String method, String query) throws IOException {
    String url = trackingUri + API + method + (query.isEmpty() ? "" : "?" + query);
    return json(send(request(url).GET(), method, requestTimeout), method);
  }

  /** POST a JSON body to {@code /api/2.0/mlflow/<method>}. */
  JsonNode post(String method, Object body) throws IOException {
    return postPath(API + method, body);
  }

  /** POST a JSON body to a path of the server (e.g. MLflow 3's {@code /api/3.0/...}). */
  JsonNode postPath(String path, Object body) throws IOException {
    HttpRequest.Builder req =
        request(trackingUri + path)
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    JsonFiles.LINE_MAPPER.writeValueAsString(body)));
    return json(send(req, path, requestTimeout), path);
  }

  /** PATCH a JSON body to a path of the server. */
  JsonNode patchPath(String path, Object body) throws IOException {
    HttpRequest.Builder req =
        request(trackingUri + path)
            .header("Content-Type", "application/json")
            .method(
                "PATCH",
                HttpRequest.BodyPublishers.ofString(
                    JsonFiles.LINE_MAPPER.writeValueAsString(body)));
    return json(send(req, path, requestTimeout), path);
  }

  /**
   * Uploads a file through the proxied artifact API ({@code mlflow server --serve-artifacts}); the
   * deadline grows with the size (at least 1 MB/s).
   *
   * @param artifactPath the path under the artifact root, '/'-separated
   */
  void upload(String artifactPath, Path file) throws IOException {
    StringBuilder url =
        new StringBuilder(trackingUri).append("/api/2.0/mlflow-artifacts/artifacts");
    for (String seg : artifactPath.split("/")) {
      if (!seg.isEmpty()) {
        url.append('/').append(URLEncoder.encode(seg, StandardCharsets.UTF_8).replace("+", "%20"));
      }
    }
    HttpRequest.Builder req =
        request(url.toString())
            .header("Content-Type", "application/octet-stream")
            .PUT(HttpRequest.BodyPublishers.ofFile(file));
    Duration deadline = requestTimeout.plusSeconds(Files.size(file) / 1_000_000);
    send(req, "artifact upload of " + artifactPath, deadline);
  }

  /** Null when the server answers {@code /health} below 500 within the deadline, else why not. */
  String probe() {
    try {
      HttpResponse<String> r = exchange(request(trackingUri + "/health").GET(), probeTimeout);
      return r.statusCode() >= 500 ? "HTTP " + r.statusCode() : null;
    } catch (IOException e) {
      return reason(e);
    }
  }

  /** Requests made so far, by the name of the thread that made them (for tests). */
  Map<String, Long> requestsByThread() {
    Map<String, Long> out = new java.util.TreeMap<>();
    requestsByThread.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  private HttpRequest.Builder request(String url) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(requestTimeout);
    if (authHeader != null) {
      b.header("Authorization", authHeader);
    }
    return b;
  }

  private HttpResponse<String> send(HttpRequest.Builder req, String what, Duration deadline)
      throws IOException {
    HttpResponse<String> r = exchange(req, deadline);
    if (r.statusCode() / 100 != 2) {
      throw new HttpError(r.statusCode(), what, r.body());
    }
    return r;
  }

  /**
   * One exchange with a deadline on all of it: {@link HttpRequest#timeout} alone stops waiting for
   * the headers, not for a body that never ends.
   */
  private HttpResponse<String> exchange(HttpRequest.Builder req, Duration deadline)
      throws IOException {
    requestsByThread
        .computeIfAbsent(Thread.currentThread().getName(), k -> new AtomicLong())
        .incrementAndGet();
    CompletableFuture<HttpResponse<String>> f =
        http.sendAsync(req.build(), HttpResponse.BodyHandlers.ofString());
    try {
      return f.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      throw new HttpTimeoutException("no answer in " + deadline.toMillis() + " ms");
    } catch (InterruptedException e) {
      f.cancel(true);
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      throw new IOException(reason(cause), cause);
    }
  }

  private static JsonNode json(HttpResponse<String> r, String what) throws IOException {
    String body = r.body();
    if (body == null || body.isBlank()) {
      return JsonFiles.LINE_MAPPER.createObjectNode();
    }
    try {
      return JsonFiles.LINE_MAPPER.readTree(body);
    } catch (IOException e) {
      throw new IOException(what + ": not JSON: " + firstLine(body), e);
    }
  }

  /** The innermost cause as {@code Class: message}, one line. */
  static String reason(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String msg = t.getMessage();
    return t.getClass().getSimpleName() + (msg == null ? "" : ": " + firstLine(msg));
  }

  static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    String line = nl < 0 ? s : s.substring(0, nl);
    return line.length() > 300 ? line.substring(0, 300) + "..." : line;
  }
}
