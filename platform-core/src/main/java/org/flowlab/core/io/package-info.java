/** File helpers shared by checkpoints, run records and models: atomic writes. */
package org.flowlab.core.io;
