/*
  Build cache registry.
  Owned by the platform team.
*/
#disable-next-line no-unused-params
param unused string = 'x'

@description('Registry for CI images') // keep this comment
resource cache 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
	name: 'contosocache'  // the name is global
	location: resourceGroup().location
	sku: {
		name: 'Premium' /* already premium */
	}
	properties: {
		// admin access stays off
		adminUserEnabled: false // see ADR-12
	}
}
