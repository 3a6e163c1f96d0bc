#include "scripting/script_internal.h"
int luaopen_struct(lua_State *L) { lua_newtable(L); lua_setglobal(L, "struct"); return 0; }
