#include "scripting/script_internal.h"
int luaopen_cmsgpack(lua_State *L) { lua_newtable(L); lua_setglobal(L, "cmsgpack"); return 0; }
