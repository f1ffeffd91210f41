"""The lab's APT repository: packages built by our code (recipes.py → build.py), served by the
apt-repo service and installed in hosts with apt-get/dpkg (their own dpkg database, never the
machine's)."""
