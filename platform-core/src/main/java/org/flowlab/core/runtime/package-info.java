/**
 * Which libtorch this JVM loads, chosen once at launch before DJL's engine starts: a folder or a
 * Python environment named by the user, a CUDA {@code torch} 2.7.x found beside an NVIDIA driver,
 * or the bundled CPU natives. The choice is handed to DJL as system properties ({@code
 * PYTORCH_LIBRARY_PATH}, {@code PYTORCH_VERSION}, {@code PYTORCH_FLAVOR}), which DJL reads before
 * it looks at the {@code pytorch-native-cpu} jar on the classpath, and to child JVMs as the same
 * flags.
 */
package org.flowlab.core.runtime;
