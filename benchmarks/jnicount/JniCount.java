import java.lang.instrument.*;
import java.security.ProtectionDomain;
import java.util.concurrent.atomic.AtomicLong;
import org.objectweb.asm.*;

/**
 * A Java agent that counts calls of DJL's PyTorch JNI methods: every native method of
 * ai.djl.pytorch.jni.PyTorchLibrary is renamed with a prefix (Instrumentation.setNativeMethodPrefix)
 * and replaced by a Java method that counts and calls it. At exit it prints the total to stderr and,
 * with -Djnicount.dump=FILE, writes "method count" lines. Used by benchmarks/jni-calls.sh.
 */
public class JniCount {
  public static final AtomicLong CALLS = new AtomicLong();
  static final java.util.List<String> NAMES = new java.util.concurrent.CopyOnWriteArrayList<>();
  static final java.util.concurrent.atomic.AtomicLongArray HITS = new java.util.concurrent.atomic.AtomicLongArray(4096);
  public static void hit(int i) { CALLS.incrementAndGet(); HITS.incrementAndGet(i); }
  static final String PREFIX = "counted$";
  static final String TARGET = "ai/djl/pytorch/jni/PyTorchLibrary";

  public static void premain(String args, Instrumentation inst) {
    ClassFileTransformer t = new ClassFileTransformer() {
      public byte[] transform(ClassLoader l, String name, Class<?> c, ProtectionDomain d, byte[] bytes) {
        if (!TARGET.equals(name)) return null;
        ClassReader r = new ClassReader(bytes);
        ClassWriter w = new ClassWriter(r, ClassWriter.COMPUTE_MAXS);
        r.accept(new ClassVisitor(Opcodes.ASM9, w) {
          public MethodVisitor visitMethod(int acc, String n, String desc, String sig, String[] ex) {
            if ((acc & Opcodes.ACC_NATIVE) == 0) return super.visitMethod(acc, n, desc, sig, ex);
            super.visitMethod(acc, PREFIX + n, desc, sig, ex).visitEnd();
            MethodVisitor m = super.visitMethod(acc & ~Opcodes.ACC_NATIVE, n, desc, sig, ex);
            m.visitCode();
            NAMES.add(n);
            m.visitLdcInsn(NAMES.size() - 1);
            m.visitMethodInsn(Opcodes.INVOKESTATIC, "JniCount", "hit", "(I)V", false);
            boolean isStatic = (acc & Opcodes.ACC_STATIC) != 0;
            int slot = 0;
            if (!isStatic) { m.visitVarInsn(Opcodes.ALOAD, 0); slot = 1; }
            for (Type t : Type.getArgumentTypes(desc)) { m.visitVarInsn(t.getOpcode(Opcodes.ILOAD), slot); slot += t.getSize(); }
            m.visitMethodInsn(isStatic ? Opcodes.INVOKESTATIC : Opcodes.INVOKEVIRTUAL, TARGET, PREFIX + n, desc, false);
            m.visitInsn(Type.getReturnType(desc).getOpcode(Opcodes.IRETURN));
            m.visitMaxs(0, 0);
            m.visitEnd();
            return null;
          }
        }, 0);
        return w.toByteArray();
      }
    };
    inst.addTransformer(t, true);
    inst.setNativeMethodPrefix(t, PREFIX);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.err.println("JNI calls: " + CALLS.get());
      String dump = System.getProperty("jnicount.dump");
      if (dump != null) try (var out = new java.io.PrintWriter(dump)) {
        for (int i = 0; i < NAMES.size(); i++) if (HITS.get(i) > 0) out.println(NAMES.get(i) + " " + HITS.get(i));
      } catch (Exception e) { e.printStackTrace(); }
    }));
  }
}
