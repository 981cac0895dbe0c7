package org.flowlab.core.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.flowlab.api.config.InvalidValueException;

/**
 * The one rule for a tracking URI ({@code tracking.uri} or {@code MLFLOW_TRACKING_URI}): {@code
 * http://} or {@code https://} in any case with a host is an MLflow server; a folder path
 * (absolute, or relative to the working directory) or a {@code file:} URI is the local run store in
 * that folder; anything else that starts like a URI ({@code ftp://x}, {@code HTTP:/host}, {@code
 * http:host}) is rejected, so a typo never becomes a folder named {@code HTTP:}.
 *
 * @param mlflowUrl the server URL with its scheme in lower case, or null for a folder
 * @param folder the local run store's folder, or null for a server
 */
public record TrackingUri(String mlflowUrl, Path folder) {
  private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*):(.*)$");

  /**
   * Applies the rule.
   *
   * @param uri the URI as written, not blank
   * @throws InvalidValueException under key {@code uri}, with a one-line reason
   */
  public static TrackingUri parse(String uri) {
    String text = uri.strip();
    Matcher m = SCHEME.matcher(text);
    if (!m.matches()) {
      return new TrackingUri(null, folder(text, uri));
    }
    String scheme = m.group(1).toLowerCase(Locale.ROOT);
    String rest = m.group(2);
    if (scheme.equals("file")) {
      return new TrackingUri(null, fileUri(rest, uri));
    }
    if ((scheme.equals("http") || scheme.equals("https")) && rest.startsWith("//")) {
      try {
        URI parsed = new URI(scheme + ":" + rest);
        if (parsed.getHost() != null) {
          return new TrackingUri(parsed.toString(), null);
        }
      } catch (URISyntaxException e) {
        // falls through to the message below
      }
    }
    throw unsupported(uri);
  }

  /** Whether this is an MLflow server. */
  public boolean isMlflow() {
    return mlflowUrl != null;
  }

  private static Path fileUri(String rest, String original) {
    if (!rest.startsWith("//")) {
      return folder(rest, original); // file:/abs/path or file:relative/path
    }
    try {
      URI parsed = new URI("file:" + rest);
      if (parsed.getAuthority() != null || parsed.getPath() == null || parsed.getPath().isEmpty()) {
        throw invalid(original, "a file: URI names a local folder: file:///path or file:path");
      }
      return Path.of(parsed);
    } catch (URISyntaxException | IllegalArgumentException e) {
      throw invalid(original, "a file: URI names a local folder: file:///path or file:path");
    }
  }

  private static Path folder(String path, String original) {
    if (path.isEmpty()) {
      throw invalid(original, "names no folder");
    }
    try {
      return Path.of(path);
    } catch (InvalidPathException e) {
      throw invalid(original, "is not a folder path: " + e.getReason());
    }
  }

  private static InvalidValueException unsupported(String uri) {
    return invalid(
        uri,
        "is neither an MLflow server (http://HOST:PORT or https://...) nor a folder"
            + " (a path, or file:PATH)");
  }

  private static InvalidValueException invalid(String uri, String problem) {
    return new InvalidValueException("uri", "'" + uri + "' " + problem);
  }
}
