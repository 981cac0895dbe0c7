package org.flowlab.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.flowlab.api.config.InvalidValueException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The one tracking-URI rule: servers, folders, and everything else rejected. */
class TrackingUriTest {
  @ParameterizedTest
  @CsvSource({
    "http://127.0.0.1:5000, http://127.0.0.1:5000",
    "HTTP://127.0.0.1:5000, http://127.0.0.1:5000",
    "Https://mlflow.example.org/x, https://mlflow.example.org/x",
  })
  void httpInAnyCaseIsAnMlflowServer(String uri, String url) {
    TrackingUri parsed = TrackingUri.parse(uri);
    assertTrue(parsed.isMlflow());
    assertEquals(url, parsed.mlflowUrl());
    assertNull(parsed.folder());
  }

  @ParameterizedTest
  @CsvSource({
    "/srv/runs, /srv/runs",
    "runs-elsewhere, runs-elsewhere",
    "./a/b, ./a/b",
    "file:///srv/runs, /srv/runs",
    "file:/srv/runs, /srv/runs",
    "FILE:rel/runs, rel/runs",
    "databricks, databricks",
  })
  void foldersAndFileUrisAreLocalStores(String uri, String folder) {
    TrackingUri parsed = TrackingUri.parse(uri);
    assertEquals(Path.of(folder), parsed.folder());
    assertNull(parsed.mlflowUrl());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ftp://x",
        "HTTP:/127.0.0.1:5000",
        "http:127.0.0.1:5000",
        "https://",
        "s3://bucket",
        "file://host/runs",
      })
  void anythingElseIsRejectedUnderTheUriKey(String uri) {
    InvalidValueException e =
        assertThrows(InvalidValueException.class, () -> TrackingUri.parse(uri));
    assertEquals("uri", e.key());
    assertTrue(e.problem().contains("'" + uri + "'"), e.problem());
  }
}
