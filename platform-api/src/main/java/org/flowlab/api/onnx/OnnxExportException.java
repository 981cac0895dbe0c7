package org.flowlab.api.onnx;

/** A flow (or one of its parts) cannot be written as ONNX; the message names the part. */
public final class OnnxExportException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message what cannot be exported and why
   */
  public OnnxExportException(String message) {
    super(message);
  }

  /** The error for a part that does not implement the emission contract it needs. */
  public static OnnxExportException notExportable(Object part, Class<?> contract) {
    return new OnnxExportException(
        part.getClass().getName()
            + " cannot be exported to ONNX: it does not implement "
            + contract.getSimpleName());
  }
}
