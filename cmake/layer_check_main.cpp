// The program of a layer check (cmake/layers.cmake): it only has to link.
int main() { return 0; }
